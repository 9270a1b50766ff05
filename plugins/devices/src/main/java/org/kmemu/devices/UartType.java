package org.kmemu.devices;

import java.nio.charset.StandardCharsets;
import org.kmemu.api.ConfigView;
import org.kmemu.api.Device;
import org.kmemu.api.DeviceType;
import org.pf4j.Extension;

/** The {@code uart} device type: {@link Uart}. */
@Extension
public final class UartType implements DeviceType {

    /** Called by PF4J; does no work. */
    public UartType() {
    }

    @Override
    public String id() {
        return "uart";
    }

    @Override
    public String description() {
        return "a UART-like device in loopback: data and status registers over a receive FIFO, reading data pops it";
    }

    @Override
    public Device create(ConfigView config) {
        int depth = config.getInt("fifo-depth");
        if (depth < 1 || depth > 4096) {
            throw config.error("fifo-depth", depth + " (expected: 1 to 4096)");
        }
        byte[] input = config.getString("input").getBytes(StandardCharsets.ISO_8859_1);
        if (input.length > depth) {
            throw config.error("input", input.length + " bytes (expected: at most fifo-depth, " + depth + ")");
        }
        return new Uart(depth, ByteOrders.read(config), input);
    }
}
