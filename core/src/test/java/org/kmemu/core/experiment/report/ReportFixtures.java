package org.kmemu.core.experiment.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.kmemu.core.experiment.RunStats;

/**
 * Runs as an experiment would report them, made from a seed: object allocator policies varied (and CPUs),
 * samples over the workload's time with x86_64's three zones (DMA, DMA32, Normal) and 11 orders whose
 * buddyinfo, unusable and extfrag indexes agree with each other, call sites with kernel symbol names,
 * and optionally failed runs. Shared by the report's tests (and, through core's test-jar, others').
 */
public final class ReportFixtures {
    /** Orders 0 .. MAX_ORDER - 1, as /proc/buddyinfo prints them (include/linux/mmzone.h, MAX_ORDER 11). */
    public static final int ORDERS = 11;

    private static final String[] POLICIES = {"slub", "slab", "slob"};
    private static final String[] CALL_SITES = {
        "__alloc_skb+0x4f/0x1e0", "kmalloc_array+0x20/0x40", "alloc_inode+0x1b/0xa0", "d_alloc+0x18/0x90",
        "kernfs_new_node+0x2a/0x60", "proc_alloc_inode+0x1c/0x80", "ext4_alloc_inode+0x16/0x1a0",
        "__kernfs_new_node+0x41/0x1f0", "radix_tree_node_alloc+0x3a/0xb0", "load_elf_binary+0x1f5/0x1600",
        "bio_alloc_bioset+0x9c/0x220", "mempool_alloc+0x5f/0x150", "sk_prot_alloc+0x2c/0x130",
        "copy_process+0x175/0x1c00", "vm_area_alloc+0x1b/0x70", "getname_flags+0x4e/0x1d0",
        "alloc_pipe_info+0x55/0x190", "kobject_uevent_env+0xe2/0x6b0", "(null)"};

    private ReportFixtures() {
    }

    /**
     * @param points  how many points (policy x CPUs, policy first)
     * @param repeats repeats per point
     * @param samples samples per run
     * @param failed  how many of the last runs failed (one with no totals, the others after some samples)
     * @return the runs, in run order
     */
    public static List<RunStats> runs(int points, int repeats, int samples, int failed) {
        List<RunStats> runs = new ArrayList<>();
        int total = points * repeats;
        for (int p = 0; p < points; p++) {
            for (int r = 0; r < repeats; r++) {
                int index = runs.size();
                String policy = POLICIES[p % POLICIES.length];
                int cpus = 1 << (p / POLICIES.length);
                Map<String, String> point = new LinkedHashMap<>();
                point.put("machine.slab.policy", policy);
                point.put("machine.cpus", Integer.toString(cpus));
                boolean fails = index >= total - failed;
                boolean noTotals = fails && index == total - 1;
                runs.add(run(index, point, r, 1000L + index, policy, cpus, fails ? samples / 3 : samples,
                        fails, noTotals));
            }
        }
        return runs;
    }

    /** The varied keys of {@link #runs}. */
    public static List<String> variedKeys() {
        return List.of("machine.slab.policy", "machine.cpus");
    }

    private static RunStats run(int index, Map<String, String> point, int repeat, long seed, String policy, int cpus,
                                int nrSamples, boolean failed, boolean noTotals) {
        Random random = new Random(seed);
        String name = String.format("run-%03d", index);
        String error = failed ? "kmalloc-192: page allocation failure: order:1, mode:0xcc0(GFP_KERNEL) at event "
                + (nrSamples * 1000) : null;
        RunStats.MachineInfo machine = new RunStats.MachineInfo("x86_64", "buddy", policy, cpus, 256L << 20, 4096);
        if (noTotals) {
            return new RunStats(index, name, point, repeat, seed, "failed", "machine: boot failed: out of memory",
                    machine, new RunStats.WorkloadInfo("trace", 0, Map.of()), null, List.of(), List.of());
        }
        double slack = switch (policy) {
            case "slub" -> 0.18;
            case "slab" -> 0.22;
            default -> 0.07;
        };
        List<RunStats.Sample> samples = new ArrayList<>();
        long events = 0;
        long requested = 0;
        long allocated = 0;
        long footprint = 2_000;
        long peak = footprint;
        for (int s = 0; s < nrSamples; s++) {
            events += 5_000 + random.nextInt(1_000);
            long asked = 200_000 + random.nextInt(50_000);
            requested += asked;
            allocated += (long) (asked * (1 + slack + random.nextDouble() * 0.02));
            footprint = Math.max(1_000, footprint + random.nextInt(400) - 150);
            peak = Math.max(peak, footprint);
            double used = (double) s / Math.max(1, nrSamples - 1);
            samples.add(new RunStats.Sample(events, footprint, footprint / 3, requested, allocated, 0,
                    List.of(zone("DMA", 3_976, used * 0.1, random), zone("DMA32", 60_000, used * 0.97, random),
                            zone("Normal", 1_900, used * 0.9, random))));
        }
        List<RunStats.CallSite> sites = new ArrayList<>();
        for (int c = 0; c < CALL_SITES.length; c++) {
            long hits = 50 + random.nextInt(5_000);
            long asked = hits * (16 + random.nextInt(500));
            long given = (long) (asked * (1 + slack * (c % 4 + 1) / 2.5));
            sites.add(new RunStats.CallSite(CALL_SITES[c], hits, asked, given, given - asked, c == 3 && failed ? 1 : 0));
        }
        sites.sort((a, b) -> Long.compare(b.waste(), a.waste()));
        long walks = 10_000 + random.nextInt(1_000);
        long hits = 900_000 + random.nextInt(90_000);
        RunStats.Totals totals = new RunStats.Totals(1.5 + random.nextDouble(), events / 1.7, requested, allocated,
                1 - (double) requested / allocated, footprint / 3, (long) ((allocated - requested) * 0.8), peak,
                footprint, failed ? 1 : 0, 0, random.nextInt(20), random.nextInt(5), hits, walks, (double) hits / (hits + walks), walks);
        return new RunStats(index, name, point, repeat, seed, failed ? "failed" : "ok", error, machine,
                new RunStats.WorkloadInfo("trace", events, Map.of("unplaced", (long) random.nextInt(3))), totals,
                sites, samples, failed ? null : kernelEvents(random, slack));
    }

    /** The kernel events of an ok run: size histograms whose given sizes sit a bucket above the asked ones. */
    private static RunStats.KernelEvents kernelEvents(Random random, double slack) {
        long[] req = new long[13];
        long[] given = new long[14];
        for (int b = 3; b < req.length; b++) {
            req[b] = random.nextInt(5_000);
            given[b + (random.nextDouble() < slack ? 1 : 0)] += req[b];
        }
        long[] vmalloc = new long[18];
        vmalloc[13] = random.nextInt(40);
        vmalloc[17] = random.nextInt(5);
        Map<String, Long> flushes = new LinkedHashMap<>();
        Map<String, Long> pages = new LinkedHashMap<>();
        for (String reason : List.of("flush_on_task_switch", "remote_shootdown", "local_shootdown", "local_mm_shootdown",
                "remote_send_ipi")) {
            flushes.put(reason, (long) random.nextInt(100));
            pages.put(reason, (long) random.nextInt(1000));
        }
        return new RunStats.KernelEvents(vmalloc[13] + vmalloc[17], vmalloc[13] * 8192 + vmalloc[17] * 131072, 1, 0, 0,
                flushes, pages, 0, 0, List.of(new RunStats.Histogram("bytes_req", true, req),
                        new RunStats.Histogram("bytes_alloc", true, given), new RunStats.Histogram("page_order", false,
                                new long[] {900, 40, 3}), new RunStats.Histogram("vmalloc_size", true, vmalloc)));
    }

    /**
     * A zone whose free pages, spanning {@code pages}, are {@code used} consumed, the higher orders first
     * broken up; the indexes are computed from the blocks as mm/vmstat.c defines them (unusable: free
     * pages outside blocks of at least the order over free pages; extfrag: -1000 when such a block exists).
     */
    static RunStats.ZoneSample zone(String name, long pages, double used, Random random) {
        long[] blocks = new long[ORDERS];
        long free = (long) (pages * (1 - used));
        long left = free;
        for (int order = ORDERS - 1; order >= 0; order--) {
            // High orders keep fewer blocks the more the zone is used: fragmentation grows over time.
            double share = order >= 8 ? 0.6 * (1 - used) : 0.3 + random.nextDouble() * 0.2;
            long n = (long) (left * share) >> order;
            blocks[order] = n;
            left -= n << order;
        }
        blocks[0] += left;
        long totalBlocks = 0;
        for (long n : blocks) {
            totalBlocks += n;
        }
        int[] unusable = new int[ORDERS];
        int[] extfrag = new int[ORDERS];
        for (int order = 0; order < ORDERS; order++) {
            long suitable = 0;
            for (int o = order; o < ORDERS; o++) {
                suitable += blocks[o] << o;
            }
            unusable[order] = free == 0 ? 1000 : (int) ((free - suitable) * 1000 / free);
            extfrag[order] = suitable > 0 || totalBlocks == 0 ? -1000
                    : (int) (1000 - (1000 + free * 1000 / (1L << order)) / totalBlocks);
        }
        return new RunStats.ZoneSample(0, name, blocks, unusable, extfrag);
    }
}
