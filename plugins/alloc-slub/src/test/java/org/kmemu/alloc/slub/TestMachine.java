package org.kmemu.alloc.slub;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelMemory;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabContext;
import org.kmemu.api.SlabPages;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.RecordingLog;

/**
 * A small machine for SLUB tests: RAM in the core's {@link PhysicalMemory}, a fake direct map
 * (va = 0xc0000000 + pa) and a page source with the page allocator's semantics (order-aligned blocks,
 * 0 when exhausted) over a BitSet.
 */
final class TestMachine implements SlabContext {
    static final long PAGE_OFFSET = 0xc000_0000L;
    static final int PAGE_SHIFT = 12;

    final PhysicalMemory ram;
    final RecordingLog log = new RecordingLog();
    final Pages pages;
    final Memory memory = new Memory();
    private final int cpus;
    private final int cacheLine;
    private final ConfigView config;

    TestMachine(int cpus, long ramBytes, ByteOrder order, String... overrides) {
        this.cpus = cpus;
        this.cacheLine = 64;
        this.ram = new PhysicalMemory(new MemoryMap(List.of(new MemoryRegion(0, ramBytes, RegionType.USABLE))),
                order, (byte) 0);
        this.pages = new Pages((int) (ramBytes >>> PAGE_SHIFT));
        this.config = PluginConfigs.of(SlubPolicy.class, "kmemu.object-allocator.slub", overrides);
    }

    TestMachine(int cpus) {
        this(cpus, 16L << 20, ByteOrder.LITTLE_ENDIAN);
    }

    SlubAllocator slub() {
        return (SlubAllocator) new SlubPolicy().create(this);
    }

    @Override
    public ConfigView config() {
        return config;
    }

    @Override
    public int cpus() {
        return cpus;
    }

    @Override
    public int pageShift() {
        return PAGE_SHIFT;
    }

    @Override
    public int cacheLineBytes() {
        return cacheLine;
    }

    @Override
    public SlabPages pages() {
        return pages;
    }

    @Override
    public KernelMemory memory() {
        return memory;
    }

    @Override
    public KernelLog log() {
        return log;
    }

    long pa(long va) {
        long pa = va - PAGE_OFFSET;
        if (pa < 0 || !ram.isRam(pa)) {
            throw new IllegalArgumentException("vaddr: 0x" + Long.toHexString(va) + " (expected: direct-mapped RAM)");
        }
        return pa;
    }

    final class Memory implements KernelMemory {
        @Override
        public long readLong(long vaddr) {
            return ram.readLong(pa(vaddr));
        }

        @Override
        public void writeLong(long vaddr, long value) {
            ram.writeLong(pa(vaddr), value);
        }

        @Override
        public int readInt(long vaddr) {
            return ram.readInt(pa(vaddr));
        }

        @Override
        public void writeInt(long vaddr, int value) {
            ram.writeInt(pa(vaddr), value);
        }

        @Override
        public void fill(long vaddr, byte value, long len) {
            ram.fill(pa(vaddr), value, len);
        }

        @Override
        public void copy(long dst, long src, long len) {
            ram.copy(pa(dst), pa(src), (int) len);
        }
    }

    /** The page source: first fit over order-aligned blocks. Thread-safe. */
    static final class Pages implements SlabPages {
        private final BitSet used;
        private final int nrPages;
        private final Map<Long, Integer> live = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        /** Orders above this fail, to exercise the fallback to s->min. */
        volatile int maxOrder = 10;
        int lastGfp;

        Pages(int nrPages) {
            this.nrPages = nrPages;
            this.used = new BitSet(nrPages);
        }

        @Override
        public synchronized long allocSlab(int cpu, int gfp, int order, SlabCache cache) {
            lastGfp = gfp;
            calls.add(cache.name() + " order " + order);
            if (order > maxOrder) {
                return 0;
            }
            int n = 1 << order;
            for (int pfn = 0; pfn + n <= nrPages; pfn += n) {
                int next = used.nextSetBit(pfn);
                if (next < 0 || next >= pfn + n) {
                    used.set(pfn, pfn + n);
                    long va = PAGE_OFFSET + ((long) pfn << PAGE_SHIFT);
                    live.put(va, order);
                    return va;
                }
            }
            return 0;
        }

        @Override
        public synchronized void freeSlab(int cpu, long vaddr, int order) {
            Integer o = live.remove(vaddr);
            if (o == null || o != order) {
                throw new AssertionError("freeSlab(0x" + Long.toHexString(vaddr) + ", " + order + "): allocated with "
                        + o);
            }
            int pfn = (int) ((vaddr - PAGE_OFFSET) >>> PAGE_SHIFT);
            used.clear(pfn, pfn + (1 << order));
        }

        synchronized int pagesInUse() {
            return used.cardinality();
        }

        synchronized int slabsInUse() {
            return live.size();
        }

        /** Takes every free page (all orders fail afterwards until {@link #release}). */
        synchronized void exhaust() {
            used.set(0, nrPages);
        }
    }
}
