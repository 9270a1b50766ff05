package org.kmemu.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * {@link MemoryTracepointBench}'s paths timed in the thread's CPU time rather than wall time, for a box whose
 * other builds make JMH's wall-clock figures noise: each variant runs batches of operations, interleaved with
 * the others, and the best batch (least disturbed) gives ns per operation. Run with
 * {@code java -cp bench/target/benchmarks.jar org.kmemu.bench.TracepointCpuTime [rounds]}; it prints one line
 * per path and variant. The figures are in {@link MemoryTracepointBench}'s Javadoc.
 */
public final class TracepointCpuTime {
    private static final int PAGES = TracepointRig.PAGES;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TracepointCpuTime() {
    }

    /**
     * @param args the number of rounds (default 30) and the variants (default: off metrics histograms both)
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        String[] variants = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"off", "metrics", "histograms", "both"};
        TracepointRig[] rigs = new TracepointRig[variants.length];
        for (int v = 0; v < variants.length; v++) {
            rigs[v] = new TracepointRig(variants[v]);
        }
        String[] paths = {"vmallocVfree", "anonWriteFault", "kmallocKfree"};
        int[] ops = {20_000, 40 * PAGES, 200_000};
        double[][] best = new double[paths.length][variants.length];
        for (double[] b : best) {
            java.util.Arrays.fill(b, Double.MAX_VALUE);
        }
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            for (int p = 0; p < paths.length; p++) {
                for (int v = 0; v < variants.length; v++) {
                    TracepointRig rig = rigs[v];
                    long t0 = THREADS.getCurrentThreadCpuTime();
                    sink += switch (p) {
                        case 0 -> rig.vmallocVfree(ops[0]);
                        case 1 -> rig.faults(ops[1] / PAGES);
                        default -> rig.kmallocKfree(ops[2]);
                    };
                    double ns = (double) (THREADS.getCurrentThreadCpuTime() - t0) / ops[p];
                    if (r >= rounds / 3) { // the first third warms up
                        best[p][v] = Math.min(best[p][v], ns);
                    }
                }
            }
        }
        for (int p = 0; p < paths.length; p++) {
            for (int v = 0; v < variants.length; v++) {
                System.out.printf("%-16s %-11s %8.1f ns/op (best batch, thread CPU time)%n", paths[p], variants[v], best[p][v]);
            }
        }
        System.out.println(sink == 42 ? "" : "done");
    }
}
