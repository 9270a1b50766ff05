package org.kmemu.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
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

    private static final Pattern KMALLOC = Pattern.compile("kmalloc cpu=(\\d+) size=(\\d+) .* site=(\\S+) .*");

    @Test
    void itKmallocsFromFourCallSitesOnEveryCpuWithinTheSizeCap() throws IOException {
        List<String> calls = run(2, 0).kernel().calls();
        java.util.Set<String> sites = new java.util.TreeSet<>();
        java.util.Set<String> cpus = new java.util.TreeSet<>();
        long kmallocs = 0;
        for (String c : calls) {
            Matcher m = KMALLOC.matcher(c);
            if (m.matches()) {
                kmallocs++;
                cpus.add(m.group(1));
                assertThat(Long.parseLong(m.group(2))).as(c).isBetween(1L, 8192L);
                sites.add(m.group(3));
            }
        }
        assertThat(kmallocs).isPositive();
        assertThat(sites).as("call-sites = 4").hasSize(4);
        assertThat(cpus).as("cpu = random: every CPU the recording reports").hasSize(cpus());
        assertThat(calls).as("objects only").noneMatch(c -> c.startsWith("alloc_pages") || c.startsWith("kmem_cache_alloc"));
    }
}
