package org.kmemu.tck;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Workload;
import org.kmemu.core.workload.SyntheticWorkload;

/** {@code synthetic} replaying a malloclab trace: malloc, free and realloc of 200 ids. */
class MalloclabContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new SyntheticWorkload();
    }

    @Override
    protected String settings(Path dir) throws IOException {
        List<String> ops = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            ops.add("a " + i + " " + (1 + 37 * i % 2000));
        }
        for (int i = 0; i < 200; i += 2) {
            ops.add("r " + i + " " + (5 + 11 * i));
        }
        for (int i = 0; i < 200; i += 3) {
            ops.add("f " + i);
        }
        List<String> lines = new ArrayList<>(List.of("20000", "200", String.valueOf(ops.size()), "1"));
        lines.addAll(ops);
        Files.write(dir.resolve("short.rep"), lines);
        return "malloclab = \"short.rep\"\ncpu = random";
    }

    @Test
    void itReplaysTheFilesAllocationsReallocationsAndFrees() throws IOException {
        Outcome o = run(1, 0);
        // 200 allocations, 100 reallocations (a free and an allocation each) and 67 frees.
        assertThat(o.kernel().calls().stream().filter(c -> c.startsWith("kmalloc"))).hasSize(300);
        assertThat(o.kernel().calls().stream().filter(c -> c.startsWith("kfree"))).hasSize(167);
        assertThat(o.kernel().calls()).anyMatch(c -> c.startsWith("kmalloc") && c.contains(" size=1 "));
    }
}
