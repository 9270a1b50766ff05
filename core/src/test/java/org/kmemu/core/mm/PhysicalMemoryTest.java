package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

class PhysicalMemoryTest {
    private static final MemoryMap MAP = new MemoryMap(List.of(
            new MemoryRegion(0, 0x9fc00, RegionType.USABLE),
            new MemoryRegion(0x9fc00, 0x60400, RegionType.RESERVED),
            new MemoryRegion(0x100000, 64L << 20, RegionType.USABLE),
            new MemoryRegion(5L << 30, 8L << 20, RegionType.USABLE)));

    @Test
    void neverWrittenRamReadsAsPoisonAndCostsNothing() {
        PhysicalMemory zero = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        assertThat(zero.readLong(0x200000)).isZero();
        PhysicalMemory poisoned = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0x6b);
        assertThat(poisoned.readLong(0x200000)).isEqualTo(0x6b6b6b6b6b6b6b6bL);
        assertThat(poisoned.readByte(5L << 30)).isEqualTo((byte) 0x6b);
        assertThat(poisoned.chunksAllocated()).isZero();
        poisoned.writeByte(0x200000, (byte) 1);
        assertThat(poisoned.chunksAllocated()).isEqualTo(1);
        assertThat(poisoned.readLong(0x200000)).isEqualTo(0x6b6b6b6b6b6b6b01L);
    }

    @Test
    void multiByteValuesUseTheMachinesByteOrder() {
        PhysicalMemory le = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        PhysicalMemory be = new PhysicalMemory(MAP, ByteOrder.BIG_ENDIAN, (byte) 0);
        le.writeInt(0x1000, 0x12345678);
        be.writeInt(0x1000, 0x12345678);
        assertThat(le.readByte(0x1000)).isEqualTo((byte) 0x78);
        assertThat(be.readByte(0x1000)).isEqualTo((byte) 0x12);
        be.writeLong(0x2000, 0x0102030405060708L);
        assertThat(be.readShort(0x2000)).isEqualTo((short) 0x0102);
        assertThat(be.readInt(0x2004)).isEqualTo(0x05060708);
    }

    @Test
    void valuesMayCrossChunkBoundaries() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            PhysicalMemory m = new PhysicalMemory(MAP, order, (byte) 0);
            long edge = (1L << PhysicalMemory.CHUNK_SHIFT) * 2 - 3;
            m.writeLong(edge, 0x1122334455667788L);
            assertThat(m.readLong(edge)).as(order.toString()).isEqualTo(0x1122334455667788L);
            m.writeInt(edge + 1, 0xcafebabe);
            assertThat(m.readInt(edge + 1)).isEqualTo(0xcafebabe);
        }
    }

    @Test
    void ramAboveFourGigabytesIsBacked() {
        PhysicalMemory m = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        m.writeLong((5L << 30) + 8, -1L);
        assertThat(m.readLong((5L << 30) + 8)).isEqualTo(-1L);
    }

    @Test
    void bulkCopyFillAndArrays() {
        PhysicalMemory m = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        byte[] data = new byte[10000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i;
        }
        long src = (2L << 20) - 5000;
        m.write(src, data, 0, data.length);
        m.copy(0x1000000, src, data.length);
        byte[] back = new byte[data.length];
        m.read(0x1000000, back, 0, back.length);
        assertThat(back).isEqualTo(data);
        m.fill(0x1000000, (byte) 0, 4096);
        assertThat(m.readLong(0x1000000 + 4088)).isZero();
        assertThat(m.readByte(0x1000000 + 4096)).isEqualTo(data[4096]);
    }

    @Test
    void touchingSomethingThatIsNotRamIsAnError() {
        PhysicalMemory m = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        assertThatThrownBy(() -> m.readLong(0xa0000)).hasMessage("physical address 0xa0000 is not RAM (expected: a usable region of the memory map)");
        assertThatThrownBy(() -> m.writeByte(1L << 30 << 2, (byte) 1)).hasMessageContaining("is not RAM");
        assertThat(m.isRam(0x100000)).isTrue();
        assertThat(m.isRam(0x9fc00)).isFalse();
    }

    /** CAS and exchange in both byte orders, on any JDK (newer ones take the striped-lock path). */
    @Test
    void atomicWordOperationsKeepTheMachinesByteOrder() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            PhysicalMemory m = new PhysicalMemory(MAP, order, (byte) 0);
            m.writeLongAtomic(0x2000, 0x1122334455667788L);
            assertThat(m.compareAndSetLong(0x2000, 0x1122334455667788L, 0x99L)).isTrue();
            assertThat(m.compareAndSetLong(0x2000, 0x1122334455667788L, 0x77L)).as("stale expect").isFalse();
            assertThat(m.readLong(0x2000)).isEqualTo(0x99L);
            assertThat(m.getAndSetLong(0x2000, 0)).isEqualTo(0x99L);
            assertThat(m.readLong(0x2000)).isZero();
            m.writeIntAtomic(0x3000, 0xcafe);
            assertThat(m.compareAndSetInt(0x3000, 0xcafe, 0xbeef)).isTrue();
            assertThat(m.getAndSetInt(0x3000, 1)).isEqualTo(0xbeef);
            assertThat(m.readByte(order == ByteOrder.BIG_ENDIAN ? 0x3003 : 0x3000)).isEqualTo((byte) 1);
        }
    }

    /** Two threads incrementing one word by CAS never lose an increment. */
    @Test
    void casIncrementsFromTwoThreadsAreNeverLost() throws Exception {
        PhysicalMemory m = new PhysicalMemory(MAP, ByteOrder.LITTLE_ENDIAN, (byte) 0);
        m.writeLongAtomic(0x4000, 0);
        Runnable inc = () -> {
            for (int i = 0; i < 20_000; i++) {
                long v;
                do {
                    v = m.readLong(0x4000);
                } while (!m.compareAndSetLong(0x4000, v, v + 1));
            }
        };
        Thread a = new Thread(inc);
        Thread b = new Thread(inc);
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(m.readLong(0x4000)).isEqualTo(40_000);
    }
}
