package org.kmemu.alloc.slub;

import java.nio.ByteOrder;
import org.kmemu.api.KernelMemory;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.RecordingLog;
import org.kmemu.tck.SlabFixtures;

/**
 * The TCK's {@link SlabFixtures} (64-bit pointers, zeroed RAM, 64-byte lines) configured for SLUB,
 * with short names for what SLUB's tests look at.
 */
final class TestMachine {
    static final long PAGE_OFFSET = SlabFixtures.PAGE_OFFSET;

    final SlabFixtures fx;
    final PhysicalMemory ram;
    final RecordingLog log;
    final KernelMemory memory;
    /** The page source, with its counters (slabsOut, allocCalls, lastGfp, setMaxOrder, exhaust). */
    final SlabFixtures pages;

    TestMachine(int cpus, long ramBytes, ByteOrder order, String... overrides) {
        this.fx = new SlabFixtures(PluginConfigs.of(SlubPolicy.class, "kmemu.object-allocator.slub", overrides), cpus,
                ramBytes, order, 64, 8, (byte) 0);
        this.ram = fx.ram();
        this.log = fx.recordingLog();
        this.memory = fx;
        this.pages = fx;
    }

    TestMachine(int cpus) {
        this(cpus, 16L << 20, ByteOrder.LITTLE_ENDIAN);
    }

    SlubAllocator slub() {
        return (SlubAllocator) new SlubPolicy().create(fx);
    }

    long pa(long va) {
        return va - PAGE_OFFSET;
    }
}
