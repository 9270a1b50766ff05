package org.kmemu.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class FrameBufferTest {

    @Test
    void itIsPlainMemoryInTheDevicesByteOrder() {
        FrameBuffer le = new FrameBuffer(4096, ByteOrder.LITTLE_ENDIAN);
        le.write(16, 4, 0x11223344L);
        assertThat(le.peek(16)).isEqualTo((byte) 0x44);
        assertThat(le.read(16, 2)).isEqualTo(0x3344);
        assertThat(le.read(16, 4)).isEqualTo(0x11223344L);
        assertThat(le.read(16, 4)).as("reads have no side effect").isEqualTo(0x11223344L);
        FrameBuffer be = new FrameBuffer(4096, ByteOrder.BIG_ENDIAN);
        be.write(8, 8, 0x0102030405060708L);
        assertThat(be.peek(8)).isEqualTo((byte) 1);
        assertThat(be.read(12, 4)).isEqualTo(0x05060708L);
        assertThat(be.reads()).isEqualTo(1);
        assertThat(be.writes()).isEqualTo(1);
    }
}
