package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A program that embeds kmemu ({@code Kmemu.boot}), run in a JVM of its own on the distribution's lib/ with
 * slf4j-simple at its defaults, as an application would: boot's kernel log stays out of the application's
 * log at INFO (it is {@code m.log()}, and the SLF4J logger {@code kmemu.kernel} at DEBUG), the kernel's
 * warnings reach it at WARN, and a machine too big for the heap is a {@code HeapTooSmallException} with
 * the command line's message.
 */
class EmbeddingTest {
    private static final String PROGRAM = """
            import java.nio.file.Path;
            import java.util.Map;
            import org.kmemu.api.Gfp;
            import org.kmemu.core.Kmemu;
            import org.kmemu.core.machine.HeapTooSmallException;
            import org.kmemu.core.machine.Machine;

            public class Embed {
                public static void main(String[] a) {
                    try {
                        Machine m = Kmemu.boot(Path.of(a[0]), a.length > 2 ? Map.of("kmemu.memory.size", a[2]) : Map.of(), Path.of(a[1]));
                        System.out.println(m.log().lines().size() + " lines in m.log()");
                        // A kernel WARNING: kmalloc above KMALLOC_MAX_SIZE (mm/page_alloc.c __alloc_pages).
                        m.kernel().slab().kmalloc(m.mmu().cpu(0), 1L << 40, Gfp.GFP_KERNEL, "too_big");
                    } catch (HeapTooSmallException e) {
                        System.out.println(e.getMessage());
                    }
                }
            }
            """;

    private static Launcher.Result embed(List<String> jvmOptions, String machine, String... args) throws IOException {
        Path dir = Files.createTempDirectory("kmemu-embed");
        Path source = dir.resolve("Embed.java");
        Files.writeString(source, PROGRAM);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(Launcher.DIST.resolve("lib").toString() + "/*");
        cmd.add(source.toString());
        cmd.add(Launcher.ROOT.resolve("config/machines/" + machine + ".conf").toString());
        cmd.add(Launcher.DIST.resolve("plugins").toString());
        cmd.addAll(List.of(args));
        try {
            return Launcher.exec(cmd, dir, Map.of());
        } finally {
            Files.delete(source);
            Files.delete(dir);
        }
    }

    @Test
    void bootsKernelLogStaysOutOfTheApplicationsInfoLogButItsWarningsReachIt() throws IOException {
        Launcher.Result r = embed(List.of("-Dorg.slf4j.simpleLogger.log.org.pf4j=warn"), "i386-highmem");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).matches("(?s)\\d+ lines in m\\.log\\(\\)\n");
        assertThat(r.stderr()).as("only the kernel's WARNING, at WARN: " + r)
                .doesNotContain("INFO").contains("WARN kmemu.kernel - WARNING: CPU: 0 PID: 0 at mm/page_alloc.c");
    }

    @Test
    void theKernelLogIsMirroredAtDebugForWhoAsks() throws IOException {
        Launcher.Result r = embed(List.of("-Dorg.slf4j.simpleLogger.log.org.pf4j=warn",
                "-Dorg.slf4j.simpleLogger.log.kmemu.kernel=debug"), "i386-highmem");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).contains("DEBUG kmemu.kernel - 879MB LOWMEM available.");
    }

    @Test
    void aMachineTooBigForTheHeapIsAnExceptionWithTheCommandLinesMessage() throws IOException {
        Launcher.Result embedded = embed(List.of("-Xmx96m"), "x86_64", "16G");
        Launcher.Result cli = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Xmx96m"), "boot", "-c", "config/machines/x86_64.conf",
                "-D", "kmemu.memory.size=16G");
        assertThat(cli.code()).as(cli.toString()).isEqualTo(1);
        assertThat(embedded.stdout()).as(embedded.toString()).contains("this machine needs about").contains("-Xmx");
        assertThat("kmemu: " + embedded.stdout()).as(embedded + "\n" + cli).isEqualTo(cli.stderr());
    }
}
