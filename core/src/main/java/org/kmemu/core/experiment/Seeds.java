package org.kmemu.core.experiment;

import java.nio.charset.StandardCharsets;

/**
 * Each run's seed, from the experiment's seed, the point's workload settings and the repeat: SplitMix64's
 * finaliser (Steele, Lea and Flood, 2014) over them, so that nearby inputs give unrelated seeds and the
 * same inputs the same seed on every JVM.
 */
final class Seeds {
    private Seeds() {
    }

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    /**
     * @param seed     the experiment's seed
     * @param workload the point's workload settings as text ("" when none varies)
     * @param repeat   the repeat, from 0
     * @return the run's seed
     */
    static long runSeed(long seed, String workload, int repeat) {
        long h = mix(seed);
        for (byte b : workload.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff));
        }
        return mix(h ^ repeat);
    }

    /** SplitMix64: add the golden gamma, then the variant-13 finaliser of MurmurHash3. */
    static long mix(long z) {
        z += GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
