package org.kmemu.tck;

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
import org.kmemu.core.mm.HandleTable;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;

/**
 * A small machine for object-allocator contract tests: RAM in the core's {@link PhysicalMemory} (in
 * either byte order), a direct map at 0xc0000000 as on i386, and slab pages from a bitmap of
 * naturally aligned blocks that counts what is out, so a test can check that every page came back. It
 * records each slab request (cache, order, gfp) and can refuse orders or run out, for a policy's own
 * tests of its fallbacks.
 */
public final class SlabFixtures implements SlabContext, SlabPages, KernelMemory {
    /** PAGE_OFFSET of the fake direct map. */
    public static final long PAGE_OFFSET = 0xc0000000L;
    private static final int SHIFT = 12;

    private final ConfigView config;
    private final int cpus;
    private final int cacheLine;
    private final int pointerBytes;
    private final PhysicalMemory ram;
    private final RecordingLog log = new RecordingLog();
    private final BitSet used = new BitSet();
    private final int pages;
    private final Map<Long, Integer> live = new HashMap<>();
    private final List<String> allocCalls = new ArrayList<>();
    private long pagesOut;
    private final PageFrames frames;
    private final HandleTable<Object> owners = new HandleTable<>("slab owner", Integer.MAX_VALUE);
    private int maxOrder = Integer.MAX_VALUE;
    private int lastGfp;

    /**
     * @param config    the policy's config
     * @param cpus      CPU count
     * @param ramBytes  RAM, a multiple of 4 MiB
     * @param order     the machine's byte order
     * @param cacheLine L1_CACHE_BYTES
     */
    public SlabFixtures(ConfigView config, int cpus, long ramBytes, ByteOrder order, int cacheLine) {
        this(config, cpus, ramBytes, order, cacheLine, 8);
    }

    /**
     * @param config       the policy's config
     * @param cpus         CPU count
     * @param ramBytes     RAM, a multiple of 4 MiB
     * @param order        the machine's byte order
     * @param cacheLine    L1_CACHE_BYTES
     * @param pointerBytes sizeof(void *): 4 for a 32-bit machine, 8 for a 64-bit one
     */
    public SlabFixtures(ConfigView config, int cpus, long ramBytes, ByteOrder order, int cacheLine, int pointerBytes) {
        this(config, cpus, ramBytes, order, cacheLine, pointerBytes, (byte) 0x6b);
    }

    /**
     * @param config       the policy's config
     * @param cpus         CPU count
     * @param ramBytes     RAM
     * @param order        the machine's byte order
     * @param cacheLine    L1_CACHE_BYTES
     * @param pointerBytes sizeof(void *)
     * @param poison       what never-written RAM reads as
     */
    public SlabFixtures(ConfigView config, int cpus, long ramBytes, ByteOrder order, int cacheLine, int pointerBytes,
                        byte poison) {
        this.pointerBytes = pointerBytes;
        this.config = config;
        this.cpus = cpus;
        this.cacheLine = cacheLine;
        this.ram = new PhysicalMemory(new MemoryMap(List.of(new MemoryRegion(0, ramBytes, RegionType.USABLE))), order, poison);
        this.pages = (int) (ramBytes >>> SHIFT);
        this.frames = new PageFrames(pages, List.of(new long[] {0, pages}));
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
        return SHIFT;
    }

    @Override
    public int cacheLineBytes() {
        return cacheLine;
    }

    @Override
    public int pointerBytes() {
        return pointerBytes;
    }

    @Override
    public SlabPages pages() {
        return this;
    }

    @Override
    public KernelMemory memory() {
        return this;
    }

    @Override
    public KernelLog log() {
        return log;
    }

    /** @return the log, for assertions on reports */
    public RecordingLog recordingLog() {
        return log;
    }

    /** @return pages handed out as slabs and not given back */
    public synchronized long pagesOut() {
        return pagesOut;
    }

    /** @return the RAM, for checks on the bytes objects and free pointers hold */
    public PhysicalMemory ram() {
        return ram;
    }

    /** @return slabs handed out and not given back */
    public synchronized int slabsOut() {
        return live.size();
    }

    /** @return every allocSlab call so far, as "cache order N" */
    public synchronized List<String> allocCalls() {
        return List.copyOf(allocCalls);
    }

    /** @return the gfp flags of the last allocSlab call */
    public synchronized int lastGfp() {
        return lastGfp;
    }

    /** @param order slabs above this order fail from now on, to exercise a policy's fallback order */
    public synchronized void setMaxOrder(int order) {
        this.maxOrder = order;
    }

    /** Takes every free page: allocSlab fails at every order until slabs are freed. */
    public synchronized void exhaust() {
        used.set(0, pages);
    }

    @Override
    public synchronized long allocSlab(int cpu, int gfp, int order, SlabCache cache) {
        lastGfp = gfp;
        allocCalls.add(cache.name() + " order " + order);
        if (order > maxOrder) {
            return 0;
        }
        int n = 1 << order;
        for (int pfn = 0; pfn + n <= pages; pfn += n) {
            if (used.get(pfn, pfn + n).isEmpty()) {
                used.set(pfn, pfn + n);
                pagesOut += n;
                long va = PAGE_OFFSET + ((long) pfn << SHIFT);
                live.put(va, order);
                return va;
            }
        }
        return 0;
    }

    @Override
    public synchronized void freeSlab(int cpu, long vaddr, int order) {
        Integer allocated = live.remove(vaddr);
        if (allocated == null || allocated != order) {
            throw new AssertionError("freeSlab(" + Long.toHexString(vaddr) + ", order " + order + "): allocated with order "
                    + allocated);
        }
        int pfn = (int) ((vaddr - PAGE_OFFSET) >>> SHIFT);
        forgetOwner(pfn, order);
        used.clear(pfn, pfn + (1 << order));
        pagesOut -= 1 << order;
    }

    @Override
    public synchronized void setOwner(long vaddr, int order, Object owner) {
        Integer allocated = live.get(vaddr);
        if (allocated == null || allocated != order) {
            throw new AssertionError("setOwner(" + Long.toHexString(vaddr) + ", order " + order + "): allocated with order "
                    + allocated);
        }
        int pfn = (int) ((vaddr - PAGE_OFFSET) >>> SHIFT);
        forgetOwner(pfn, order);
        if (owner != null) {
                frames.setWord(pfn, pfn + (1L << order), owners.add(owner));
            }
    }

    private void forgetOwner(int pfn, int order) {
        int old = (int) frames.word(pfn);
        if (old != 0) {
            frames.setWord(pfn, pfn + (1L << order), 0);
            owners.remove(old);
        }
    }

    /** The same lock-free lookup the machine does: the frame's word is a handle of the owner table. */
    @Override
    public Object owner(long vaddr) {
        long pa = vaddr - PAGE_OFFSET;
        if (pa < 0 || pa >= (long) pages << SHIFT) {
            return null;
        }
        return owners.get((int) frames.word(pa >>> SHIFT));
    }

    private long pa(long vaddr) {
        long pa = vaddr - PAGE_OFFSET;
        if (pa < 0 || pa >= (long) pages << SHIFT) {
            throw new IllegalArgumentException(String.format("__pa: %#x is not in the direct map", vaddr));
        }
        return pa;
    }

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
        ram.copy(pa(dst), pa(src), Math.toIntExact(len));
    }
}
