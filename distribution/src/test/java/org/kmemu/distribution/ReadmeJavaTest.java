package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FollFlags;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.workload.FtraceEvent;
import org.kmemu.core.workload.FtraceReader;
import org.kmemu.core.workload.KmemTraceReplay;
import org.kmemu.core.workload.ReplayReport;

/**
 * README.md's Java blocks, run as written (the boot's paths resolved from the repository root, where the
 * README runs them): the body of {@link #theReadmesJavaRuns} holds every line of them, which the first test
 * checks line by line, so a README edit that is not carried over here fails.
 */
class ReadmeJavaTest {

    private static List<String> readmeJavaLines() throws IOException {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        List<String> lines = new ArrayList<>();
        int at = 0;
        while ((at = readme.indexOf("```java\n", at)) >= 0) {
            int end = readme.indexOf("```", at + 8);
            for (String l : readme.substring(at + 8, end).split("\n")) {
                if (!l.isBlank()) {
                    lines.add(l.strip());
                }
            }
            at = end;
        }
        return lines;
    }

    @Test
    void everyReadmeJavaLineIsRunHere() throws IOException {
        String self = Files.readString(Launcher.ROOT.resolve(
                "distribution/src/test/java/org/kmemu/distribution/ReadmeJavaTest.java"));
        List<String> lines = readmeJavaLines();
        assertThat(lines).as("README's Java blocks").hasSizeGreaterThan(10);
        for (String line : lines) {
            assertThat(self).as("README line run by this test").contains(line);
        }
    }

    @Test
    void theReadmesJavaRuns() throws IOException {
        // The README's paths are relative to the repository root; tests run in distribution/:
        // Machine m = Kmemu.boot(Path.of("config/machines/i386-highmem.conf"), Map.of(), Path.of("distribution/target/kmemu/plugins"));
        Machine m = Kmemu.boot(Launcher.ROOT.resolve(Path.of("config/machines/i386-highmem.conf")), Map.of(),
                Launcher.ROOT.resolve(Path.of("distribution/target/kmemu/plugins")));
        Cpu cpu = m.mmu().cpu(0);
        long p = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, "my_probe");       // kmalloc
        long page = m.kernel().pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);           // a highmem page
        long v = m.kernel().highmem().kmap(cpu, page);                                 // ...reached through pkmap
        cpu.store64(v, 42);                                                            // through the MMU and the TLB
        assertThat(p).isNotZero();
        assertThat(cpu.load64(v)).isEqualTo(42);

        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        UserMemory um = m.kernel().memory();
        Mm mm = um.mmAlloc(cpu);                                                       // mm_alloc
        Task task = m.scheduler().createUserTask("demo", mm);
        m.scheduler().contextSwitch(cpu, task);                                        // switch_mm
        long a = um.mmap().vmMmapPgoff(cpu, mm, 0, 8 * 4096, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);                       // mmap
        cpu.setUserMode(true);
        cpu.store32(a, 42);                                                            // a demand-zero page fault
        cpu.setUserMode(false);
        long[] pfns = new long[8];
        mm.mmapLock().readLock();
        long pinned = um.gup().pinUserPages(cpu, a, 8, FollFlags.FOLL_WRITE, pfns);    // pin_user_pages
        mm.mmapLock().readUnlock();
        um.gup().unpinUserPagesDirtyLock(cpu, pfns, (int) pinned, true);
        Task child = m.scheduler().fork(cpu);                                          // dup_mmap: copy-on-write
        m.scheduler().doExit(cpu, 0);                                                  // exit_mm: every page back
        assertThat(pinned).isEqualTo(8);
        assertThat(child.mm()).isNotSameAs(mm);
        m.scheduler().contextSwitch(cpu, child);
        m.scheduler().doExit(cpu, 0);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("both tasks gone: every page back").isEqualTo(free);

        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);                                      // a probe on the kmem tracepoints
        // List<FtraceEvent> trace = FtraceReader.read(Path.of("traces/kmem-i386-slub.log.gz")).events();
        List<FtraceEvent> trace = FtraceReader.read(Launcher.ROOT.resolve(Path.of("traces/kmem-i386-slub.log.gz"))).events();
        ReplayReport report = new KmemTraceReplay(m, KmemTraceReplay.Mode.OBJECTS).replay(trace).report();
        KmemMetrics.CallSite worst = metrics.snapshot().callSites().get(0);            // the call site that wastes most bytes
        assertThat(report.events()).isEqualTo(trace.size());
        assertThat(report.failedHere()).isZero();
        assertThat(worst.waste()).isPositive().isEqualTo(metrics.snapshot().callSites().stream()
                .mapToLong(KmemMetrics.CallSite::waste).max().orElseThrow());
    }
}
