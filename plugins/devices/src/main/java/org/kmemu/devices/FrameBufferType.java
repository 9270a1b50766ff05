package org.kmemu.devices;

import org.kmemu.api.ConfigView;
import org.kmemu.api.Device;
import org.kmemu.api.DeviceType;
import org.pf4j.Extension;

/** The {@code framebuffer} device type: {@link FrameBuffer}. */
@Extension
public final class FrameBufferType implements DeviceType {
    /** The largest BAR kmemu backs with heap: 256 MiB. */
    static final long MAX_SIZE = 256L << 20;

    /** Called by PF4J; does no work. */
    public FrameBufferType() {
    }

    @Override
    public String id() {
        return "framebuffer";
    }

    @Override
    public String description() {
        return "a frame buffer: a BAR of plain memory behind a device window, as a graphics card's aperture";
    }

    @Override
    public Device create(ConfigView config) {
        long size = config.getBytes("size");
        if (size <= 0 || size > MAX_SIZE || size % 4096 != 0) {
            throw config.error("size", size + " (expected: a multiple of 4K from 4K to 256M)");
        }
        return new FrameBuffer((int) size, ByteOrders.read(config));
    }
}
