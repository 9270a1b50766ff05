package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/**
 * Services take what they use through their constructors: one built from parts of our choosing (not a
 * Machine's) answers from those parts, and the services of a booted machine share the parts boot wired.
 */
class ServiceWiringTest {
    private static final Machine I386 = TestMachines.i386(1L << 30);

    /** A kernel log that keeps its lines. */
    private static final class RecordingLog implements KernelLog {
        final List<String> lines = new ArrayList<>();

        @Override
        public void printk(LogLevel level, String line) {
            lines.add(line);
        }

        @Override
        public String currentComm() {
            return "test";
        }
    }

    @Test
    void addressTranslationAnswersFromTheFramesAndLogItIsGiven() {
        KernelLayout layout = I386.layout();
        // Our own mem_map: struct pages only for the first 16 MiB, where the machine's has 1 GiB.
        PageFrames frames = new PageFrames(1L << 18, List.of(new long[] {0, 4096}));
        RecordingLog log = new RecordingLog();
        AddressTranslation t = new AddressTranslation(layout, frames, log, 12);
        long outside = 4096 + PageFrames.PAGES_PER_SECTION;

        assertThat(I386.pageFrames().pfnValid(outside)).as("the machine's frames have it").isTrue();
        assertThat(t.virtAddrValid(layout.va(outside << 12))).as("ours do not").isFalse();
        assertThatThrownBy(() -> t.pfnToPage(outside)).isInstanceOf(KernelBugException.class);
        assertThat(log.lines).as("the report went to the log it was given").isNotEmpty();
        assertThat(t.pfnToPage(100)).isEqualTo(100);
    }

    @Test
    void bootWiresThePageApiAndTheSlabLayerToTheKernelsOneTraceBuffer() {
        Kernel k = I386.kernel();
        Cpu cpu = I386.mmu().cpu(0);
        k.trace().clear();
        k.trace().setEnabled(true);
        try {
            long pfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
            k.pages().freePages(cpu, pfn, 0);
            long p = k.slab().kmalloc(cpu, 100, Gfp.GFP_KERNEL, "wiring_test");
            k.slab().kfree(cpu, p, "wiring_test");
        } finally {
            k.trace().setEnabled(false);
        }
        assertThat(k.trace().events()).anyMatch(e -> e.contains("mm_page_alloc:"))
                .anyMatch(e -> e.contains("mm_page_free:"))
                .anyMatch(e -> e.contains("kmalloc:"))
                .anyMatch(e -> e.contains("kfree:"));
        k.trace().clear();
    }

    @Test
    void noKernelServiceImportsTheMachinePackage() throws IOException {
        // The wiring's rule, guarded: the services get their parts from KernelServices, so none of them
        // can reach the Machine, which holds the Kernel (surefire runs in the module's directory).
        Path dir = Path.of("src/main/java/org/kmemu/core/kernel");
        List<String> offenders = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.java")) {
            for (Path f : files) {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import org.kmemu.core.machine.")) {
                        offenders.add(f.getFileName() + ": " + line);
                    }
                }
            }
        }
        assertThat(dir.resolve("PageApi.java")).exists();
        assertThat(offenders).isEmpty();
    }
}
