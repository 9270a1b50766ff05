package org.kmemu.core.workload;

import org.kmemu.api.ConfigView;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.workload.synthetic.Synthetic;

/**
 * The {@code synthetic} workload: a seeded random stream of allocations and frees, in the manner of
 * malloclab's generated traces, or a malloclab trace replayed. Settings:
 *
 * <pre>
 * workload {
 *   type = synthetic
 *   events = 1000000            # alloc + free calls, in total
 *   lifetime {                  # how many events an object lives; or instead:
 *     distribution = exponential, mean = 5000     # uniform {min, max} | exponential {mean} | log-normal {mu, sigma}
 *   }
 *   # live = 20000              # steady state: hold this many, each later allocation first frees a random one
 *   size {                      # bytes
 *     distribution = log-normal, mu = 5.0, sigma = 1.2, max = 8192   # in log-bytes: median e^mu; clamped to [1, max]
 *     # distribution = uniform, min = 8, max = 4096
 *     # distribution = histogram, file = "sizes.txt"                 # lines "size count", # comments
 *   }
 *   call-sites = 8              # synthetic_site_0+0x0 ... synthetic_site_7+0x0 (default 1)
 *   api = kmalloc               # kmalloc (default) | kmem-cache | pages
 *   gfp = "GFP_KERNEL"          # flag names joined by |, as a trace prints them (default GFP_KERNEL)
 *   cpu = round-robin           # round-robin (default) | random: the CPU of each call
 *   touch = false               # true: write each object's requested bytes, or each page, once allocated
 * }
 * </pre>
 *
 * <p><b>touch.</b> With {@code touch = true} each allocation that succeeds is written as its caller
 * would initialise it ({@link Touch}: an object its requested bytes, a page block each lowmem page)
 * with {@code memset} through the allocating CPU's MMU, so the run's TLB hits, misses and walks
 * measure where the allocator put things. Off by default (the calls only). It draws no random
 * numbers, so the stream's calls are the same either way. A malloclab replay touches too.
 *
 * <p><b>Call sites.</b> Each allocation draws its site uniformly; site s of n draws its size from the
 * s-th of n equal-probability bands of the size distribution (quantiles s/n to (s+1)/n), so sites
 * differ (site 0 the smallest sizes) while all sites together follow the distribution exactly. With
 * {@code api = kmem-cache} each site has one cache, {@code synthetic_site_s}, of the size in the
 * middle of its band; with {@code api = pages} a size becomes the order get_order(size) (4 KiB pages).
 *
 * <p><b>malloclab.</b> {@code malloclab = "file.rep"} replays a malloclab trace (header lines, then
 * {@code a ID SIZE}, {@code f ID}, {@code r ID SIZE}) as kmalloc/kfree, realloc as kfree then kmalloc;
 * only {@code gfp} and {@code cpu} apply beside it. Errors name the trace's file:line.
 *
 * <p><b>Determinism.</b> The same settings and seed give the same calls on the same machine, bit for
 * bit. What is live after the last event stays allocated, for the host to measure.
 */
public final class SyntheticWorkload implements Workload {
    private final Synthetic synthetic = new Synthetic();

    /** No work in the constructor, as for a plugin's extension. */
    public SyntheticWorkload() {
    }

    @Override
    public String id() {
        return "synthetic";
    }

    @Override
    public String description() {
        return "a seeded random kmalloc/kmem_cache/page alloc-free stream, or a malloclab trace";
    }

    @Override
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        return synthetic.prepare(settings, context);
    }
}
