package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Java heap through {@code ./kmemu} with a small {@code KMEMU_JAVA_OPTS=-Xmx}: a machine bigger than the
 * heap's estimate is refused before boot in one line that says what it needs, what the JVM has and which
 * {@code -Xmx} to give, and that {@code -Xmx} works; a heap that runs out anyway is one line too, never an
 * {@code OutOfMemoryError} stack trace; the shipped machines fit a small heap.
 */
class HeapTest {
    private static final Map<String, String> SMALL = Map.of("KMEMU_JAVA_OPTS", "-Xmx96m");

    @Test
    void aMachineTooBigForTheHeapIsRefusedBeforeBootInOneLine() {
        // 16 GiB: 4194304 struct pages, about 138M by the estimate (the smallest -Xmx that boots and populates it: 121m).
        Launcher.Result r = Launcher.runWith(SMALL, "boot", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=16G");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).as("refused before boot: no boot line").isEmpty();
        assertThat(r.stderr()).as(r.toString()).isEqualTo("kmemu: command line (-D kmemu.memory.size): kmemu.memory: this machine"
                + " needs about 138M of Java heap (struct pages for 4194304 frames, 21 bytes each, and the garbage collector's"
                + " headroom), but this JVM has 96M: give it more with KMEMU_JAVA_OPTS=-Xmx192m ./kmemu ... (java -Xmx192m when"
                + " embedding)\n");
    }

    @Test
    void theRefusalNamesTheFileAndLineOfTheMemorySize() {
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Xmx64m"), "proc", "meminfo", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString())
                .startsWith("kmemu: config/machines/x86_64.conf:5: kmemu.memory: this machine needs about 85M of Java heap")
                .contains("but this JVM has 64M: give it more with KMEMU_JAVA_OPTS=-Xmx128m ./kmemu ...")
                .hasLineCount(1);
    }

    @Test
    void theXmxTheRefusalSuggestsBootsAndPopulatesTheMachine() {
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Xmx192m"), "memmap", "--populate",
                "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=16G");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("struct page: 4194304 frames (16384M)").contains("populated:");
    }

    @Test
    void everyShippedMachineBootsAndPopulatesInA96MHeap() {
        for (String machine : new String[] {"x86_64", "i386-highmem", "i386-pae", "booke-e500"}) {
            Launcher.Result r = Launcher.runWith(SMALL, "memmap", "--populate", "-c", "config/machines/" + machine + ".conf");
            assertThat(r.code()).as(machine + ": " + r).isZero();
            assertThat(r.stderr()).as(machine + ": " + r).isEmpty();
        }
    }

    @Test
    void aHeapThatRunsOutAnywayIsOneLineNotAStackTrace() {
        // The check turned off: a 64 GiB machine's 206M of boot-time struct pages cannot fit in 96m.
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Xmx96m -Dkmemu.heap.check=false"),
                "boot", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=64G");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).isEqualTo("kmemu: out of Java heap: this JVM has 96M, too little for this machine"
                + " and what ran on it: give it more with KMEMU_JAVA_OPTS=-Xmx192m ./kmemu ...\n");
    }

    @Test
    void kmemuJavaOptsComeAfterTheLaunchersOwnSoThatTheyWin() {
        // The launcher turns the kernel log's SLF4J mirror off; its comment says how to turn it on.
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", "-Dorg.slf4j.simpleLogger.log.kmemu.kernel=debug"),
                "proc", "buddyinfo", "-c", "config/machines/booke-e500.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).contains("DEBUG kmemu.kernel - Memory: 2049520K/2097152K available");
        assertThat(Launcher.run("proc", "buddyinfo", "-c", "config/machines/booke-e500.conf").stderr()).isEmpty();
    }
}
