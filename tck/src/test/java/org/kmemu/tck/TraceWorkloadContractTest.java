package org.kmemu.tck;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.TraceWorkload;

/** kmemu's built-in {@code trace} workload keeps the workload contract, on a trace whose every event is one call. */
class TraceWorkloadContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new TraceWorkload();
    }

    private static String ev(int cpu, String name, String fields) {
        return "   t-1 [00" + cpu + "] ....     0.000001: " + name + ": " + fields;
    }

    @Override
    protected String settings(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# tracer: nop");
        for (int i = 0; i < 600; i++) {
            long p = 0xc1000000L + 0x100L * i;
            lines.add(ev(i % 4, "kmalloc", "call_site=site_" + (i % 5) + "+0x10 ptr=" + Long.toHexString(p)
                    + " bytes_req=" + (8 + i % 300) + " bytes_alloc=512 gfp_flags=GFP_KERNEL"));
            lines.add(ev(i % 2, "kmem_cache_alloc", "call_site=c+0x1 ptr=" + Long.toHexString(p + 0x10000000L)
                    + " bytes_req=" + (i % 2 == 0 ? 192 : 64) + " bytes_alloc=192 gfp_flags=GFP_KERNEL"));
            if (i % 3 != 0) {
                lines.add(ev((i + 1) % 4, "kfree", "call_site=f+0x2 ptr=" + Long.toHexString(p)));
                lines.add(ev(1, "kmem_cache_free", "call_site=c+0x2 ptr=" + Long.toHexString(p + 0x10000000L)));
            }
        }
        Files.createDirectories(dir.resolve("traces"));
        Files.write(dir.resolve("traces/contract.log"), lines);
        return "file = \"traces/contract.log\"";
    }

    @Test
    void itReplaysTheTracesKmallocsAndCacheObjectsOnItsCpus() throws IOException {
        List<String> calls = run(1, 0).kernel().calls();
        assertThat(calls.stream().filter(c -> c.startsWith("kmalloc"))).hasSize(600);
        assertThat(calls.stream().filter(c -> c.startsWith("kfree"))).hasSize(400);
        assertThat(calls.stream().filter(c -> c.startsWith("kmem_cache_alloc"))).hasSize(600);
        assertThat(calls).anyMatch(c -> c.startsWith("kmalloc cpu=") && c.contains(" size=11 ") && c.contains(" site=site_3+0x10"));
    }
}
