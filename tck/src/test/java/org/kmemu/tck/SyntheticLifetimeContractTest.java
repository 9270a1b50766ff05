package org.kmemu.tck;

import java.nio.file.Path;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.SyntheticWorkload;

/** {@code synthetic}: kmalloc with exponential lifetimes, log-normal sizes, four call sites, random CPUs. */
class SyntheticLifetimeContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new SyntheticWorkload();
    }

    @Override
    protected String settings(Path dir) {
        return String.join("\n", "events = 5000", "lifetime { distribution = exponential, mean = 300 }",
                "size { distribution = log-normal, mu = 5, sigma = 1.5, max = 8192 }", "call-sites = 4", "cpu = random");
    }
}
