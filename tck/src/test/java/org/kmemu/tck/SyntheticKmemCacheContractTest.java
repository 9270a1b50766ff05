package org.kmemu.tck;

import org.kmemu.api.Gfp;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void itAllocatesFromCachesItCreatedWithTheGivenGfp() throws IOException {
        List<String> calls = run(1, 0).kernel().calls();
        assertThat(calls).anyMatch(c -> c.startsWith("kmem_cache_create"))
                .anyMatch(c -> c.startsWith("kmem_cache_alloc") && c.contains(" gfp=0x" + Integer.toHexString(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO) + " "))
                .anyMatch(c -> c.startsWith("kmem_cache_free"))
                .noneMatch(c -> c.startsWith("kmalloc") || c.startsWith("alloc_pages"));
    }
}
