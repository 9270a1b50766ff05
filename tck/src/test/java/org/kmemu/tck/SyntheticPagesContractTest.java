package org.kmemu.tck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.SyntheticWorkload;

/** {@code synthetic}: page blocks, sizes from a histogram file, log-normal lifetimes. */
class SyntheticPagesContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new SyntheticWorkload();
    }

    @Override
    protected String settings(Path dir) throws IOException {
        Files.writeString(dir.resolve("sizes.txt"), "# size count\n4096 70\n8192 20\n16384 8\n65536 2\n");
        return String.join("\n", "events = 4000", "lifetime { distribution = log-normal, mu = 4, sigma = 1 }",
                "size { distribution = histogram, file = \"sizes.txt\" }", "api = pages", "call-sites = 2");
    }
}
