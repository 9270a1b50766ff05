package org.kmemu.spark;

import java.util.Map;
import java.util.SplittableRandom;
import org.kmemu.api.ConfigView;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;

/**
 * The tests' workload, loaded as a plugin ({@link TestPlugins}) until kmemu ships its own: {@code events}
 * kmallocs and kfrees of seeded random sizes (8 to 4096 bytes) on CPU 0, half of the live objects kept, so
 * the result depends on the seed and on the object allocator.
 */
public final class ChurnWorkload implements Workload {
    /** PF4J's extension factory needs it public. */
    public ChurnWorkload() {
    }

    @Override
    public String id() {
        return "spark-test-churn";
    }

    @Override
    public String description() {
        return "seeded kmalloc/kfree churn, for kmemu-spark's tests";
    }

    @Override
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        int events = settings.getInt("events");
        long seed = context.seed();
        return new WorkloadRun() {
            @Override
            public long plannedEvents() {
                return events;
            }

            @Override
            public WorkloadReport run(KernelCalls kernel) {
                SplittableRandom random = new SplittableRandom(seed);
                long[] live = new long[256];
                long failed = 0;
                for (int i = 0; i < events; i++) {
                    int slot = random.nextInt(live.length);
                    if (live[slot] != 0) {
                        kernel.kfree(0, live[slot], "churn_free+0x0");
                        live[slot] = 0;
                    } else {
                        live[slot] = kernel.kmalloc(0, 8 + random.nextInt(4089), Gfp.GFP_KERNEL, "churn_alloc+0x0");
                        failed += live[slot] == 0 ? 1 : 0;
                    }
                    kernel.advance(1);
                }
                return new WorkloadReport(events, Map.of("failed", failed));
            }
        };
    }
}
