package org.kmemu.tck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.PageAllocator;

/**
 * A {@link KernelCalls} with no machine behind it, for workload contract tests: it records every call
 * as a line of text, hands out distinct fake addresses and pfns, and checks each free against what
 * it handed out (the right cache, the right order, nothing freed twice), recording every breach in
 * {@link #violations()} rather than throwing, so a test can show them all.
 *
 * <p>Optionally fails every {@code failEvery}-th allocation (returns 0 or {@link PageAllocator#NO_PFN}),
 * as a full machine would, to check that a workload takes a failure as an answer.
 */
public final class RecordingKernelCalls implements KernelCalls {
    /** Where the fake kmap_local slots start: each CPU has 1 MiB of them. */
    private static final long KMAP_LOCAL_BASE = 0xffff_f000_0000_0000L;

    private final int cpus;
    private final int failEvery;
    private final List<String> calls = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private final Map<Long, String> liveObjects = new HashMap<>();
    private final Map<Long, Integer> livePages = new HashMap<>();
    private final Map<Long, Long> liveAreas = new HashMap<>();
    private final List<String> caches = new ArrayList<>();
    private long nextAddress = 0xffff_8880_0000_0000L;
    private long nextPfn = 0x1000;
    private final Map<Integer, List<Long>> kmapLocalStacks = new HashMap<>();
    private long allocations;
    private long allocFrees;
    private long advanced;
    private int advanceCalls;

    /**
     * @param cpus      the CPU count it reports
     * @param failEvery fail every n-th allocation; 0 for never
     */
    public RecordingKernelCalls(int cpus, int failEvery) {
        this.cpus = cpus;
        this.failEvery = failEvery;
    }

    /** @return every call so far, one line each, e.g. {@code "kmalloc cpu=1 size=64 gfp=0xcc0 site=x -> 0x..."} */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** @return every breach of the calls' contracts, one line each; empty for a well-behaved workload */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    /** @return allocation and free calls made (kmalloc, kfree, kmem_cache_alloc/free, alloc/free_pages, vmalloc, vfree) */
    public long allocFrees() {
        return allocFrees;
    }

    /** @return the sum of what {@link #advance} was told */
    public long advanced() {
        return advanced;
    }

    /** @return how many times {@link #advance} was called */
    public int advanceCalls() {
        return advanceCalls;
    }

    /** @return objects, page blocks and vmalloc areas handed out and not freed */
    public int live() {
        return liveObjects.size() + livePages.size() + liveAreas.size();
    }

    private void checkCpu(String call, int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            violations.add(call + ": cpu " + cpu + " (expected: 0 to " + (cpus - 1) + ")");
        }
    }

    private boolean fails() {
        allocations++;
        return failEvery > 0 && allocations % failEvery == 0;
    }

    private long address(long size) {
        long p = nextAddress;
        nextAddress += Math.max(16, (size + 15) & ~15L);
        return p;
    }

    @Override
    public int cpus() {
        return cpus;
    }

    @Override
    public long kmalloc(int cpu, long size, int gfp, String callSite) {
        checkCpu("kmalloc", cpu);
        allocFrees++;
        long p = fails() ? 0 : address(size);
        if (p != 0) {
            liveObjects.put(p, "kmalloc");
        }
        calls.add("kmalloc cpu=" + cpu + " size=" + size + " gfp=0x" + Integer.toHexString(gfp) + " site=" + callSite
                + " -> 0x" + Long.toHexString(p));
        return p;
    }

    @Override
    public void kfree(int cpu, long ptr, String callSite) {
        checkCpu("kfree", cpu);
        allocFrees++;
        calls.add("kfree cpu=" + cpu + " ptr=0x" + Long.toHexString(ptr) + " site=" + callSite);
        if (ptr == 0) {
            return;
        }
        String kind = liveObjects.remove(ptr);
        if (!"kmalloc".equals(kind)) {
            violations.add("kfree of 0x" + Long.toHexString(ptr) + ": " + (kind == null ? "not allocated or already freed"
                    : "allocated by " + kind));
        }
    }

    @Override
    public int kmemCacheCreate(String name, int size, int align, int flags) {
        if (caches.contains(name)) {
            violations.add("kmem_cache_create: the name " + name + " is taken");
        }
        if (size < 1) {
            violations.add("kmem_cache_create " + name + ": size " + size + " (expected: 1 or more)");
        }
        caches.add(name);
        calls.add("kmem_cache_create " + name + " size=" + size + " align=" + align + " flags=0x" + Integer.toHexString(flags)
                + " -> " + (caches.size() - 1));
        return caches.size() - 1;
    }

    @Override
    public long kmemCacheAlloc(int cpu, int cache, int gfp, String callSite) {
        checkCpu("kmem_cache_alloc", cpu);
        allocFrees++;
        if (cache < 0 || cache >= caches.size()) {
            violations.add("kmem_cache_alloc: cache handle " + cache + " was never made");
        }
        long p = fails() ? 0 : address(64);
        if (p != 0) {
            liveObjects.put(p, "cache " + cache);
        }
        calls.add("kmem_cache_alloc cpu=" + cpu + " cache=" + cache + " gfp=0x" + Integer.toHexString(gfp) + " site=" + callSite
                + " -> 0x" + Long.toHexString(p));
        return p;
    }

    @Override
    public void kmemCacheFree(int cpu, int cache, long ptr, String callSite) {
        checkCpu("kmem_cache_free", cpu);
        allocFrees++;
        calls.add("kmem_cache_free cpu=" + cpu + " cache=" + cache + " ptr=0x" + Long.toHexString(ptr) + " site=" + callSite);
        String kind = liveObjects.remove(ptr);
        if (!("cache " + cache).equals(kind)) {
            violations.add("kmem_cache_free of 0x" + Long.toHexString(ptr) + " to cache " + cache + ": "
                    + (kind == null ? "not allocated or already freed" : "allocated by " + kind));
        }
    }

    @Override
    public long allocPages(int cpu, int gfp, int order) {
        checkCpu("alloc_pages", cpu);
        allocFrees++;
        long pfn = PageAllocator.NO_PFN;
        if (order < 0) {
            violations.add("alloc_pages: order " + order);
        } else if (!fails()) {
            pfn = nextPfn;
            nextPfn += 1L << Math.min(order, 30);
            livePages.put(pfn, order);
        }
        calls.add("alloc_pages cpu=" + cpu + " gfp=0x" + Integer.toHexString(gfp) + " order=" + order + " -> " + pfn);
        return pfn;
    }

    @Override
    public void freePages(int cpu, long pfn, int order) {
        checkCpu("__free_pages", cpu);
        allocFrees++;
        calls.add("__free_pages cpu=" + cpu + " pfn=" + pfn + " order=" + order);
        Integer had = livePages.remove(pfn);
        if (had == null || had != order) {
            violations.add("__free_pages of pfn " + pfn + " order " + order + ": "
                    + (had == null ? "not allocated or already freed" : "allocated with order " + had));
        }
    }

    @Override
    public long vmalloc(int cpu, long size) {
        checkCpu("vmalloc", cpu);
        allocFrees++;
        long p = fails() ? 0 : address((size + 4095) & ~4095L);
        if (p != 0) {
            liveAreas.put(p, size);
        }
        calls.add("vmalloc cpu=" + cpu + " size=" + size + " -> 0x" + Long.toHexString(p));
        return p;
    }

    @Override
    public void vfree(int cpu, long addr) {
        checkCpu("vfree", cpu);
        allocFrees++;
        calls.add("vfree cpu=" + cpu + " addr=0x" + Long.toHexString(addr));
        if (addr != 0 && liveAreas.remove(addr) == null) {
            violations.add("vfree of 0x" + Long.toHexString(addr) + ": not a live vmalloc area");
        }
    }

    @Override
    public void memset(int cpu, long vaddr, int value, long len) {
        checkCpu("memset", cpu);
        calls.add("memset cpu=" + cpu + " vaddr=0x" + Long.toHexString(vaddr) + " value=" + (value & 0xff) + " len=" + len);
    }

    /** @return 0: the recording has no memory, so every page reads as highmem (a toucher maps it with {@link #kmapLocal}) */
    @Override
    public long pageAddress(long pfn) {
        calls.add("pageAddress pfn=0x" + Long.toHexString(pfn));
        return 0;
    }

    /**
     * Records the call and hands out a fake address in a per-CPU stack of slots; {@link #kunmapLocal}
     * must give back the top slot of the same CPU (a breach is a violation, as the kernel WARNs).
     */
    @Override
    public long kmapLocal(int cpu, long pfn) {
        checkCpu("kmapLocal", cpu);
        List<Long> stack = kmapLocalStacks.computeIfAbsent(cpu, c -> new ArrayList<>());
        long vaddr = KMAP_LOCAL_BASE + ((long) cpu << 20) + ((long) stack.size() << 12);
        stack.add(vaddr);
        calls.add("kmapLocal cpu=" + cpu + " pfn=0x" + Long.toHexString(pfn) + " -> 0x" + Long.toHexString(vaddr));
        return vaddr;
    }

    @Override
    public void kunmapLocal(int cpu, long vaddr) {
        checkCpu("kunmapLocal", cpu);
        calls.add("kunmapLocal cpu=" + cpu + " vaddr=0x" + Long.toHexString(vaddr));
        List<Long> stack = kmapLocalStacks.getOrDefault(cpu, new ArrayList<>());
        if (stack.isEmpty() || stack.get(stack.size() - 1) != vaddr) {
            violations.add("kunmapLocal: 0x" + Long.toHexString(vaddr) + " on cpu " + cpu
                    + " is not the top kmap_local slot of that CPU (expected: unmap in reverse order of mapping)");
            return;
        }
        stack.remove(stack.size() - 1);
    }

    /** @return kmap_local slots mapped and not unmapped, over all CPUs */
    public int kmapLocalDepth() {
        return kmapLocalStacks.values().stream().mapToInt(List::size).sum();
    }

    /** @return 12, 4 KiB pages */
    @Override
    public int pageShift() {
        return 12;
    }

    @Override
    public long readLong(int cpu, long vaddr) {
        checkCpu("readLong", cpu);
        calls.add("readLong cpu=" + cpu + " vaddr=0x" + Long.toHexString(vaddr));
        return 0;
    }

    @Override
    public void advance(long events) {
        if (events < 0) {
            violations.add("advance(" + events + "): negative");
        }
        advanced += events;
        advanceCalls++;
    }
}
