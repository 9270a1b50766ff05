package org.kmemu.devices;

import java.nio.ByteOrder;
import org.kmemu.api.ConfigView;

/** Reads a device's {@code byte-order} key: {@code little} or {@code big}. */
final class ByteOrders {
    private ByteOrders() {
    }

    static ByteOrder read(ConfigView config) {
        String v = config.getString("byte-order");
        return switch (v) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw config.error("byte-order", v + " (expected: little or big)");
        };
    }
}
