package org.kmemu.tck;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.Workload;
import org.kmemu.core.script.ScriptWorkload;

/**
 * kmemu's built-in {@code script} workload keeps the workload contract: a script of kmalloc/kfree and
 * page calls (a seeded Random of its own, freeing only what it got), with no machine behind the calls,
 * so {@code machine} and {@code cpu} are null and only {@code kernel} is used.
 */
class ScriptWorkloadContractTest extends WorkloadContractTest {
    @Override
    protected Workload workload() {
        return new ScriptWorkload();
    }

    @Override
    protected String settings(Path dir) throws IOException {
        Files.writeString(dir.resolve("contract.jsh"), """
                Random rnd = new Random(11);
                List<Long> live = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    int c = i % kernel.cpus();
                    if (live.isEmpty() || rnd.nextInt(3) > 0) {
                        long p = kernel.kmalloc(c, 1 + rnd.nextInt(2000), Gfp.GFP_KERNEL, "contract_site");
                        if (p != 0) {
                            live.add(p);
                        }
                    } else {
                        kernel.kfree(c, live.remove(rnd.nextInt(live.size())), "contract_free");
                    }
                }
                long pfn = kernel.allocPages(0, Gfp.GFP_KERNEL, 2);
                if (pfn != -1) {
                    kernel.freePages(1, pfn, 2);
                }
                """);
        return "file = contract.jsh";
    }

    @Test
    void theScriptsCallsAreTheWorkloadsCalls() throws IOException {
        List<String> calls = run(1, 0).kernel().calls();
        assertThat(calls).anyMatch(c -> c.startsWith("kmalloc") && c.contains(" site=contract_site"))
                .anyMatch(c -> c.startsWith("kfree") && c.contains(" site=contract_free"))
                .anyMatch(c -> c.startsWith("alloc_pages cpu=0 ") && c.contains(" order=2 "))
                .anyMatch(c -> c.startsWith("__free_pages cpu=1 ") && c.endsWith(" order=2"));
    }
}
