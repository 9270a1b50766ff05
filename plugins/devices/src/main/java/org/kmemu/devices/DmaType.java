package org.kmemu.devices;

import org.kmemu.api.ConfigView;
import org.kmemu.api.Device;
import org.kmemu.api.DeviceType;
import org.pf4j.Extension;

/** The {@code dma} device type: {@link DmaEngine}. */
@Extension
public final class DmaType implements DeviceType {
    /** The largest internal buffer and transfer: 1 MiB (each is a heap array). */
    static final long MAX = 1L << 20;

    /** Called by PF4J; does no work. */
    public DmaType() {
    }

    @Override
    public String id() {
        return "dma";
    }

    @Override
    public String description() {
        return "a DMA engine: copies between physical addresses and its own buffer when a driver rings its doorbell";
    }

    @Override
    public Device create(ConfigView config) {
        long buffer = config.getBytes("buffer-size");
        if (buffer <= 0 || buffer > MAX || buffer % 4096 != 0) {
            throw config.error("buffer-size", buffer + " (expected: a multiple of 4K from 4K to 1M)");
        }
        long max = config.getBytes("max-transfer");
        if (max <= 0 || max > MAX) {
            throw config.error("max-transfer", max + " (expected: 1 to 1M)");
        }
        return new DmaEngine((int) buffer, (int) max, ByteOrders.read(config));
    }
}
