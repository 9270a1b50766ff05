package org.kmemu.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.PhysicalBus;

/**
 * The DMA engine's registers and transfers on a fake bus of 64 KiB of RAM at 0x100000: RAM to RAM, RAM to
 * and from its buffer, the doorbell, DONE/ERROR with write-1-to-clear, the counter, and master aborts that
 * write nothing.
 */
class DmaEngineTest {
    private static final long RAM = 0x100000;
    private final byte[] ram = new byte[64 << 10];
    private final PhysicalBus bus = new PhysicalBus() {
        @Override
        public void read(long paddr, byte[] dst, int off, int len) {
            check(paddr, len);
            System.arraycopy(ram, (int) (paddr - RAM), dst, off, len);
        }

        @Override
        public void write(long paddr, byte[] src, int off, int len) {
            check(paddr, len);
            System.arraycopy(src, off, ram, (int) (paddr - RAM), len);
        }

        private void check(long paddr, int len) {
            if (paddr < RAM || paddr + len > RAM + ram.length) {
                throw new IllegalArgumentException(String.format("DMA to physical address %#x: no RAM or device there", paddr));
            }
        }
    };

    private DmaEngine engine(ByteOrder order) {
        DmaEngine d = new DmaEngine(4096, 8192, order);
        d.attach(bus);
        return d;
    }

    private static void start(DmaEngine d, long src, long dst, long len, long ctrl) {
        d.write(DmaEngine.SRC, 8, src);
        d.write(DmaEngine.DST, 8, dst);
        d.write(DmaEngine.LEN, 4, len);
        d.write(DmaEngine.CTRL, 4, ctrl | DmaEngine.CTRL_START);
    }

    @Test
    void theDoorbellCopiesRamToRamAndCountsIt() {
        DmaEngine d = engine(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 100; i++) {
            ram[i] = (byte) i;
        }
        start(d, RAM, RAM + 0x2000, 100, 0);
        assertThat(ram[0x2000 + 99]).isEqualTo((byte) 99);
        assertThat(ram[0x2000 + 100]).isZero();
        assertThat(d.read(DmaEngine.STATUS, 4)).isEqualTo(DmaEngine.STATUS_DONE);
        assertThat(d.read(DmaEngine.COUNT, 8)).isEqualTo(1);
        assertThat(d.read(DmaEngine.CTRL, 4) & DmaEngine.CTRL_START).as("START reads back 0").isZero();
        d.write(DmaEngine.STATUS, 4, DmaEngine.STATUS_DONE);
        assertThat(d.read(DmaEngine.STATUS, 4)).as("write 1 to clear").isZero();
        d.write(DmaEngine.COUNT, 8, 77);
        assertThat(d.completed()).as("COUNT ignores writes").isEqualTo(1);
    }

    @Test
    void itCopiesBetweenRamAndItsBuffer() {
        DmaEngine d = engine(ByteOrder.LITTLE_ENDIAN);
        d.write(DmaEngine.BUFFER + 16, 4, 0xcafef00dL);
        start(d, 16, RAM + 0x100, 4, DmaEngine.CTRL_SRC_BUF);
        assertThat(ram[0x100] & 0xff).as("the buffer's bytes, little-endian").isEqualTo(0x0d);
        assertThat(ram[0x103] & 0xff).isEqualTo(0xca);
        ram[0x200] = 0x55;
        start(d, RAM + 0x200, 100, 1, DmaEngine.CTRL_DST_BUF);
        assertThat(d.read(DmaEngine.BUFFER + 100, 1)).isEqualTo(0x55);
        start(d, 16, 200, 4, DmaEngine.CTRL_SRC_BUF | DmaEngine.CTRL_DST_BUF);
        assertThat(d.read(DmaEngine.BUFFER + 200, 4)).isEqualTo(0xcafef00dL);
        assertThat(d.completed()).isEqualTo(3);
    }

    @Test
    void anAddressWithNoRamIsAMasterAbortThatWritesNothing() {
        DmaEngine d = engine(ByteOrder.LITTLE_ENDIAN);
        ram[0] = 9;
        start(d, RAM, 0xfee00000L, 16, 0);
        assertThat(d.status() & DmaEngine.STATUS_ERROR).isNotZero();
        assertThat(d.status() & DmaEngine.STATUS_DONE).isZero();
        assertThat(d.read(DmaEngine.ERRADDR, 8)).isEqualTo(0xfee00000L);
        assertThat(d.completed()).isZero();
        start(d, 0x5000, RAM + 0x10, 16, 0);
        assertThat(d.read(DmaEngine.ERRADDR, 8)).isEqualTo(0x5000);
        assertThat(ram[0x10]).as("nothing written").isZero();
        // out of the buffer, too long, too short
        start(d, 4090, RAM, 16, DmaEngine.CTRL_SRC_BUF);
        assertThat(d.status() & DmaEngine.STATUS_ERROR).isNotZero();
        start(d, RAM, RAM + 0x4000, 8193, 0);
        assertThat(d.status() & DmaEngine.STATUS_ERROR).isNotZero();
        start(d, RAM, RAM + 0x4000, 0, 0);
        assertThat(d.status() & DmaEngine.STATUS_ERROR).isNotZero();
        // a good transfer clears ERROR
        start(d, RAM, RAM + 0x4000, 1, 0);
        assertThat(d.status()).isEqualTo(DmaEngine.STATUS_DONE);
        assertThat(ram[0x4000]).isEqualTo((byte) 9);
    }

    @Test
    void thirtyTwoBitHalvesOfTheRegistersFollowTheDevicesOrder() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            DmaEngine d = engine(order);
            boolean big = order == ByteOrder.BIG_ENDIAN;
            d.write(DmaEngine.SRC + (big ? 4 : 0), 4, RAM + 0x40);
            d.write(DmaEngine.SRC + (big ? 0 : 4), 4, 0);
            assertThat(d.read(DmaEngine.SRC, 8)).isEqualTo(RAM + 0x40);
            assertThat(d.read(DmaEngine.SRC + (big ? 4 : 0), 4)).isEqualTo(RAM + 0x40);
            d.write(DmaEngine.DST, 8, RAM + 0x80);
            d.write(DmaEngine.LEN + (big ? 4 : 0), 4, 8);
            ram[0x40] = 42;
            d.write(DmaEngine.CTRL + (big ? 4 : 0), 4, DmaEngine.CTRL_START);
            assertThat(ram[0x80]).isEqualTo((byte) 42);
            ram[0x80] = 0;
            d.write(DmaEngine.BUFFER, 4, 0x01020304L);
            assertThat(d.read(DmaEngine.BUFFER, 1)).isEqualTo(big ? 1 : 4);
        }
    }

    @Test
    void withoutABusEveryRamTransferFails() {
        DmaEngine d = new DmaEngine(4096, 4096, ByteOrder.LITTLE_ENDIAN);
        start(d, RAM, RAM + 8, 8, 0);
        assertThat(d.status() & DmaEngine.STATUS_ERROR).isNotZero();
        start(d, 0, 8, 8, DmaEngine.CTRL_SRC_BUF | DmaEngine.CTRL_DST_BUF);
        assertThat(d.status()).isEqualTo(DmaEngine.STATUS_DONE);
    }
}
