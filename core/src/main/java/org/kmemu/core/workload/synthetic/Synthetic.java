package org.kmemu.core.workload.synthetic;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kmemu.api.ConfigView;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.workload.TraceGfpNames;

/**
 * Reads the synthetic workload's settings ({@link org.kmemu.core.workload.SyntheticWorkload} lists them)
 * into a {@link SyntheticPlan} or a {@link MalloclabTrace}, and makes the run. Malloclab files are read
 * once per (path, size, modification time) and shared by the runs that name them.
 */
public final class Synthetic {
    /** Settings that mean nothing beside {@code malloclab}: refused there, so a mix-up is not silent. */
    private static final String[] STREAM_ONLY = {"events", "live", "lifetime", "size", "call-sites"};

    private final Map<Key, MalloclabTrace> malloclab = new ConcurrentHashMap<>();

    private record Key(Path file, long size, long modified) {
    }

    /**
     * @param settings the workload block
     * @param context  the run's seed, CPUs and directory
     * @return the run
     */
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        int gfp = settings.hasPath("gfp") ? TraceGfpNames.parse(settings, "gfp") : org.kmemu.api.Gfp.GFP_KERNEL;
        CpuChoice cpu = settings.hasPath("cpu") ? settings.getEnum(CpuChoice.class, "cpu") : CpuChoice.ROUND_ROBIN;
        boolean touch = settings.hasPath("touch") && settings.getBoolean("touch");
        if (settings.hasPath("malloclab")) {
            for (String k : STREAM_ONLY) {
                if (settings.hasPath(k)) {
                    throw settings.error(k, "set with malloclab (expected: either malloclab = \"file.rep\", or events with size and lifetime or live)");
                }
            }
            if (settings.hasPath("api") && settings.getEnum(Api.class, "api") != Api.KMALLOC) {
                throw settings.error("api", settings.getString("api") + " with malloclab (expected: kmalloc: a malloclab trace is replayed as kmalloc/kfree)");
            }
            Path file = context.resolve(settings.getString("malloclab"));
            return new MalloclabReplay(malloclab(settings, file), context.seed(), cpu, gfp, touch);
        }
        return new SyntheticStream(plan(settings, context, gfp, cpu, touch));
    }

    private MalloclabTrace malloclab(ConfigView settings, Path file) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw settings.error("malloclab", file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        return malloclab.computeIfAbsent(new Key(file, attrs.size(), attrs.lastModifiedTime().toMillis()),
                k -> MalloclabTrace.read(file, settings));
    }

    static SyntheticPlan plan(ConfigView settings, WorkloadContext context, int gfp, CpuChoice cpu, boolean touch) {
        long events = settings.getLong("events");
        if (events < 0) {
            throw settings.error("events", events + " (expected: 0 or more)");
        }
        boolean live = settings.hasPath("live");
        boolean lifetime = settings.hasPath("lifetime");
        if (live == lifetime) {
            throw settings.error(live ? "live" : "events", live ? "set with lifetime (expected: one of them)"
                    : "neither lifetime { ... } nor live = N is set (expected: one of them)");
        }
        int liveObjects = 0;
        Distribution lifetimes = null;
        if (live) {
            liveObjects = settings.getInt("live");
            if (liveObjects < 1) {
                throw settings.error("live", liveObjects + " (expected: 1 or more)");
            }
        } else {
            lifetimes = Distributions.lifetime(settings.getConfig("lifetime"));
        }
        ConfigView sizeBlock = settings.getConfig("size");
        Distribution size = Distributions.size(sizeBlock, context);
        int sites = settings.hasPath("call-sites") ? settings.getInt("call-sites") : 1;
        if (sites < 1) {
            throw settings.error("call-sites", sites + " (expected: 1 or more)");
        }
        Api api = settings.hasPath("api") ? settings.getEnum(Api.class, "api") : Api.KMALLOC;
        int[] cacheSizes = new int[api == Api.KMEM_CACHE ? sites : 0];
        for (int s = 0; s < cacheSizes.length; s++) {
            long bytes = size.at((s + 0.5) / sites);
            if (bytes > Integer.MAX_VALUE) {
                throw sizeBlock.error("distribution", "call site " + s + "'s cache would hold " + bytes
                        + "-byte objects (expected: sizes below 2 GiB with api = kmem-cache)");
            }
            cacheSizes[s] = (int) bytes;
        }
        return new SyntheticPlan(context.seed(), events, liveObjects, lifetimes, size, sites, api, gfp, cpu, cacheSizes, touch);
    }
}
