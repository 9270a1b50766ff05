package org.kmemu.core.workload.synthetic;

/**
 * A synthetic stream's settings, read and checked ({@link org.kmemu.core.workload.SyntheticWorkload}).
 *
 * @param seed       the run's seed
 * @param events     alloc + free calls to issue
 * @param live       in steady-state mode, the live objects held (each allocation past it frees a
 *                   uniformly drawn live object first); 0 when lifetimes are given
 * @param lifetime   lifetimes in events, or null in steady-state mode
 * @param size       sizes in bytes
 * @param callSites  how many call sites; site s draws from the s-th of {@code callSites} equal bands of {@code size}
 * @param api        which calls
 * @param gfp        the allocations' gfp flags
 * @param cpu        how each call's CPU is picked
 * @param cacheSizes for {@link Api#KMEM_CACHE}, each site's object size (the middle of its band); else empty
 * @param touch      whether each allocation is written once it succeeds
 */
public record SyntheticPlan(long seed, long events, int live, Distribution lifetime, Distribution size, int callSites,
                            Api api, int gfp, CpuChoice cpu, int[] cacheSizes,
                            boolean touch) {
    /** @return the name a call site's calls carry, as a trace prints a caller */
    static String siteName(int site) {
        return "synthetic_site_" + site + "+0x0";
    }

    /** @return the name of the cache of a call site, for {@link Api#KMEM_CACHE} */
    static String cacheName(int site) {
        return "synthetic_site_" + site;
    }
}
