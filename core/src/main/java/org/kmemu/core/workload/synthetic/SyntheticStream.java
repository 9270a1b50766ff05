package org.kmemu.core.workload.synthetic;

import java.util.Map;
import java.util.SplittableRandom;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.workload.Touch;

/**
 * One run of a seeded random alloc/free stream, in the manner of malloclab's generated traces: the
 * clock is the count of calls issued; at each tick the stream frees the object whose lifetime ended
 * (the earliest, ties by slot) or, in steady-state mode, frees a uniformly drawn live object once
 * {@code live} are held, and otherwise allocates a new one: a call site drawn uniformly, a size from
 * that site's band of the size distribution, a lifetime drawn at once. What is live after
 * {@code events} calls stays allocated.
 *
 * <p><b>Determinism.</b> Every choice comes from one {@link SplittableRandom} seeded with the run's
 * seed, drawn in a fixed order per call; the only input besides the plan is whether each allocation
 * succeeded (a failed one holds nothing to free later). So the same plan and seed on the same machine
 * make the same calls, bit for bit, on every JVM (sizes and lifetimes use {@link StrictMath}, never
 * {@code Math.random} or a hash order).
 *
 * <p>The loop allocates nothing per event: objects live in {@link LiveObjects}' arrays.
 */
final class SyntheticStream implements WorkloadRun {
    private static final int ADVANCE_EVERY = 4096;
    private static final int PAGE_SHIFT = 12;

    private final SyntheticPlan plan;
    private final String[] sites;

    SyntheticStream(SyntheticPlan plan) {
        this.plan = plan;
        this.sites = new String[plan.callSites()];
        for (int s = 0; s < sites.length; s++) {
            sites[s] = SyntheticPlan.siteName(s);
        }
    }

    @Override
    public long plannedEvents() {
        return plan.events();
    }

    /**
     * get_order() with 4 KiB pages (include/asm-generic/getorder.h): the smallest order whose block
     * holds {@code size} bytes.
     */
    static int order(long size) {
        return size <= 1L << PAGE_SHIFT ? 0 : 64 - Long.numberOfLeadingZeros((size - 1) >> PAGE_SHIFT);
    }

    @Override
    public WorkloadReport run(KernelCalls kernel) {
        SplittableRandom random = new SplittableRandom(plan.seed());
        int cpus = kernel.cpus();
        int nSites = sites.length;
        int[] caches = new int[plan.api() == Api.KMEM_CACHE ? nSites : 0];
        for (int s = 0; s < caches.length; s++) {
            caches[s] = kernel.kmemCacheCreate(SyntheticPlan.cacheName(s), plan.cacheSizes()[s], 0, 0);
        }
        LiveObjects objects = new LiveObjects();
        Distribution lifetime = plan.lifetime();
        Distribution size = plan.size();
        boolean randomCpu = plan.cpu() == CpuChoice.RANDOM;
        boolean touch = plan.touch();
        int gfp = plan.gfp();
        long allocs = 0;
        long frees = 0;
        long failed = 0;
        long bytesRequested = 0;
        int nextCpu = 0;
        int sinceAdvance = 0;
        for (long now = 0; now < plan.events(); now++) {
            int cpu;
            if (randomCpu) {
                cpu = random.nextInt(cpus);
            } else {
                cpu = nextCpu;
                nextCpu = nextCpu + 1 == cpus ? 0 : nextCpu + 1;
            }
            int victim;
            if (lifetime != null) {
                victim = objects.firstToDie();
                if (victim >= 0 && objects.deathOf(victim) > now) {
                    victim = -1;
                }
            } else {
                victim = objects.size() >= plan.live() && objects.size() > 0 ? objects.liveAt(random.nextInt(objects.size())) : -1;
            }
            if (victim >= 0) {
                free(kernel, cpu, objects, victim, caches);
                objects.remove(victim);
                frees++;
            } else {
                int site = random.nextInt(nSites);
                long bytes = size.at((site + random.nextDouble()) / nSites);
                long dies = lifetime != null ? now + lifetime.at(random.nextDouble()) : Long.MAX_VALUE;
                allocs++;
                long p;
                int aux = 0;
                switch (plan.api()) {
                    case KMALLOC -> p = kernel.kmalloc(cpu, bytes, gfp, sites[site]);
                    case KMEM_CACHE -> {
                        aux = caches[site];
                        bytes = plan.cacheSizes()[site];
                        p = kernel.kmemCacheAlloc(cpu, aux, gfp, sites[site]);
                    }
                    default -> {
                        aux = order(bytes);
                        long pfn = kernel.allocPages(cpu, gfp, aux);
                        p = pfn == PageAllocator.NO_PFN ? 0 : pfn + 1; // pfn 0 is a frame: held as pfn + 1
                    }
                }
                bytesRequested += bytes;
                if (p == 0) {
                    failed++;
                } else {
                    if (touch) {
                        touch(kernel, cpu, p, bytes, aux);
                    }
                    objects.add(p, site, aux, dies);
                }
            }
            if (++sinceAdvance == ADVANCE_EVERY) {
                kernel.advance(sinceAdvance);
                sinceAdvance = 0;
            }
        }
        if (sinceAdvance > 0) {
            kernel.advance(sinceAdvance);
        }
        return new WorkloadReport(allocs + frees, Map.of("allocs", allocs, "frees", frees, "failed_allocs", failed,
                "live_at_end", (long) objects.size(), "bytes_requested", bytesRequested));
    }

    /** Writes what was just allocated: p is the object, or pfn + 1 of a block of order aux. */
    private void touch(KernelCalls kernel, int cpu, long p, long bytes, int aux) {
        if (plan.api() == Api.PAGES) {
            Touch.pages(kernel, cpu, p - 1, aux);
        } else {
            Touch.object(kernel, cpu, p, bytes);
        }
    }

    private void free(KernelCalls kernel, int cpu, LiveObjects objects, int slot, int[] caches) {
        long p = objects.ptr[slot];
        switch (plan.api()) {
            case KMALLOC -> kernel.kfree(cpu, p, sites[objects.site[slot]]);
            case KMEM_CACHE -> kernel.kmemCacheFree(cpu, objects.aux[slot], p, sites[objects.site[slot]]);
            default -> kernel.freePages(cpu, p - 1, objects.aux[slot]);
        }
    }
}
