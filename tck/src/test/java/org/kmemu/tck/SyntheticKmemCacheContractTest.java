package org.kmemu.tck;

import java.nio.file.Path;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.SyntheticWorkload;

/** {@code synthetic}: one cache per call site, a steady state of 100 live objects, uniform sizes, round-robin CPUs. */
class SyntheticKmemCacheContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new SyntheticWorkload();
    }

    @Override
    protected String settings(Path dir) {
        return String.join("\n", "events = 3000", "live = 100", "size { distribution = uniform, min = 16, max = 1024 }",
                "call-sites = 6", "api = kmem-cache", "gfp = \"GFP_KERNEL|__GFP_ZERO\"");
    }
}
