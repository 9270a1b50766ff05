package org.kmemu.tck;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.SyntheticWorkload;

/** {@code synthetic}: page blocks, sizes from a histogram file, log-normal lifetimes, each page touched. */
class SyntheticPagesContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new SyntheticWorkload();
    }

    @Override
    protected String settings(Path dir) throws IOException {
        Files.writeString(dir.resolve("sizes.txt"), "# size count\n4096 70\n8192 20\n16384 8\n65536 2\n");
        return String.join("\n", "events = 4000", "lifetime { distribution = log-normal, mu = 4, sigma = 1 }",
                "size { distribution = histogram, file = \"sizes.txt\" }", "api = pages", "call-sites = 2", "touch = true");
    }

    @Test
    void itAllocatesPageBlocksOfTheHistogramsOrdersAndNoObjects() throws IOException {
        List<String> calls = run(1, 0).kernel().calls();
        // 4, 8, 16 and 64 KiB blocks of 4 KiB pages: orders 0, 1, 2 and 4.
        assertThat(calls).anyMatch(c -> c.startsWith("alloc_pages") && c.contains(" order=0 "))
                .anyMatch(c -> c.startsWith("alloc_pages") && c.contains(" order=1 "))
                .anyMatch(c -> c.startsWith("__free_pages"))
                .noneMatch(c -> c.startsWith("alloc_pages") && c.contains(" order=3 "))
                .noneMatch(c -> c.startsWith("kmalloc") || c.startsWith("kmem_cache_alloc"));
    }

    @Test
    void itTouchesEachPageThroughAKmapLocalSlotWhenThePageHasNoKernelAddress() throws IOException {
        List<String> calls = run(1, 0).kernel().calls();
        // The recording answers every page as highmem: each page of each block is mapped, cleared, unmapped.
        long pages = calls.stream().filter(c -> c.startsWith("alloc_pages") && !c.endsWith("-> -1"))
                .mapToLong(c -> 1L << Integer.parseInt(c.replaceAll(".* order=(\\d+) .*", "$1"))).sum();
        assertThat(pages).isPositive();
        assertThat(calls.stream().filter(c -> c.startsWith("kmapLocal")).count()).isEqualTo(pages);
        assertThat(calls.stream().filter(c -> c.startsWith("memset") && c.endsWith(" len=4096")).count()).isEqualTo(pages);
        assertThat(calls.stream().filter(c -> c.startsWith("kunmapLocal")).count()).isEqualTo(pages);
    }
}
