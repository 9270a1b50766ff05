package org.kmemu.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UartTest {

    @Test
    void readingDataPopsTheFifoInOrderAndStatusFollowsTheLevel() {
        Uart u = new Uart(4, ByteOrder.LITTLE_ENDIAN, "hi".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(u.read(Uart.STATUS, 4)).isEqualTo(Uart.STATUS_DR | Uart.STATUS_THRE | (2 << 8));
        assertThat(u.read(Uart.DATA, 4)).isEqualTo('h');
        assertThat(u.read(Uart.DATA, 4)).isEqualTo('i');
        assertThat(u.read(Uart.DATA, 4)).as("empty").isZero();
        assertThat(u.read(Uart.STATUS, 4)).isEqualTo(Uart.STATUS_THRE);
        assertThat(u.reads(Uart.DATA)).isEqualTo(3);
        assertThat(u.reads(Uart.STATUS)).isEqualTo(2);
    }

    @Test
    void writesLoopBackAndAFullFifoSetsOverrunUntilStatusIsRead() {
        Uart u = new Uart(2, ByteOrder.LITTLE_ENDIAN, new byte[0]);
        u.write(Uart.DATA, 4, 'a');
        u.write(Uart.DATA, 1, 'b');
        u.write(Uart.DATA, 4, 'c');
        assertThat(u.level()).isEqualTo(2);
        assertThat(u.read(Uart.STATUS, 4) & (Uart.STATUS_OE | Uart.STATUS_THRE)).isEqualTo(Uart.STATUS_OE);
        assertThat(u.read(Uart.STATUS, 4) & Uart.STATUS_OE).as("cleared by the read").isZero();
        assertThat(u.read(Uart.DATA, 1)).isEqualTo('a');
        assertThat(u.read(Uart.DATA, 4)).isEqualTo('b');
        assertThat(u.writes(Uart.DATA)).isEqualTo(3);
    }

    @Test
    void theCountersAreRegistersTooAndDoNotCountThemselves() {
        Uart u = new Uart(16, ByteOrder.LITTLE_ENDIAN, new byte[0]);
        u.write(Uart.DATA, 4, 1);
        u.read(Uart.DATA, 4);
        u.read(Uart.DATA, 4);
        u.read(Uart.DEPTH, 4);
        assertThat(u.read(Uart.COUNTERS, 4)).as("DATA reads").isEqualTo(2);
        assertThat(u.read(Uart.COUNTERS + 4, 4)).as("DATA writes").isEqualTo(1);
        assertThat(u.read(Uart.COUNTERS + 16, 4)).as("DEPTH reads").isEqualTo(1);
        assertThat(u.read(Uart.COUNTERS, 4)).isEqualTo(2);
        assertThat(u.read(Uart.DEPTH, 4)).isEqualTo(16);
    }

    @Test
    void aByteAccessSeesTheDataByteWhereTheDevicesOrderPutsIt() {
        Uart be = new Uart(4, ByteOrder.BIG_ENDIAN, "xy".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(be.read(Uart.DATA, 1)).as("byte 0 of a big-endian register is its top byte: no pop").isZero();
        assertThat(be.level()).isEqualTo(2);
        assertThat(be.read(Uart.DATA + 3, 1)).isEqualTo('x');
        be.write(Uart.DATA + 2, 2, 'z');
        assertThat(be.level()).isEqualTo(2);
        assertThat(be.read(Uart.DATA, 4)).isEqualTo('y');
        assertThat(be.read(Uart.DATA, 4)).isEqualTo('z');
    }
}
