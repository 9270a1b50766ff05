package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kmemu demo} through the real launcher with the real plugin jars: every demo on every shipped
 * machine, the listing, the usage errors, and every {@code ./kmemu demo} line of README.md's "Demos".
 */
class DemoTest {
    static final List<String> MACHINES = List.of("x86_64", "i386-highmem", "i386-pae", "booke-e500");

    static Stream<Arguments> everyDemoOnEveryMachine() {
        return MACHINES.stream().flatMap(m -> Stream.of("gup-driver", "gup-write-force", "copy-to-user", "fork-cow", "device-driver")
                .map(d -> Arguments.of(d, m)));
    }

    @ParameterizedTest
    @MethodSource("everyDemoOnEveryMachine")
    void everyDemoRunsOnEveryShippedMachine(String demo, String machine) {
        Launcher.Result r = Launcher.run("demo", demo, "-c", "config/machines/" + machine + ".conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).startsWith("kmemu demo " + demo + ": ").doesNotContain("PAGES LOST", "DIFFERENT BYTES");
        String arch = machine.startsWith("i386") ? "i386" : machine.startsWith("booke") ? "booke" : "x86_64";
        assertThat(r.stdout()).contains("machine: " + arch + ", PAGE_SIZE 4096");
        boolean highmem = !machine.equals("x86_64");
        switch (demo) {
            case "gup-driver" -> {
                assertThat(r.stdout()).containsPattern("pin_user_pages\\(0x[0-9a-f]+, 3, FOLL_WRITE, pages\\) = 3\n")
                        .contains("\"filled by the driver, page 2\"", "every page is back");
                assertThat(r.stdout()).contains(highmem ? "(HighMem page: pkmap slot 1 = PKMAP_BASE" : "(lowmem page: the direct map");
            }
            case "gup-write-force" -> assertThat(r.stdout()).contains("    1     0  -EFAULT               0          0  none\n",
                    "private anon copy\n", "\"poked by the debugger\"", "read(fd, buf, 64) = 23: \"original file contents\"",
                    "clean: nothing to write back");
            case "copy-to-user" -> {
                assertThat(r.stdout().split(", 4246\\) = 50\n", -1)).as("both paths stop at the hole").hasSize(3);
                assertThat(r.stdout()).contains("bad area (no VMA there): the exception table's fixup ends the access",
                        "get_user_pages calls: 3 (", "kmap_atomic/kunmap_atomic pairs: 2", "every page is back");
            }
            case "device-driver" -> {
                assertThat(r.stdout()).contains("request_mem_region(0xfed00000, 0x100, \"kmemu-uart\") = ok",
                        "request_mem_region(0xfed00000, 8, \"other-driver\") = NULL",
                        "dmesg: other-driver: resource collision: [mem 0xfed00000-0xfed00007] conflicts with kmemu-uart",
                        "/proc/iomem:", ": kmemu-fb", "ioread32(regs + DATA) until not ready: \"ok\"",
                        "iowrite32(0x11223344, vram + 0):  bytes 44 33 22 11",
                        "flags [reserved]", "VmFlags: rd wr sh mr mw me ms pf io de dd",
                        "the driver reads at", ": \"written by the task\"", ": \"written by the driver\"",
                        "ioread32(vram + 0x1000) = 0xa3a2a1a0", "get_user_pages(", "= -14 (-EFAULT)", "every page is back");
                // a plain store is the CPU's byte order: swapped on the big-endian e500 only
                assertThat(r.stdout()).contains(machine.startsWith("booke") ? "= 0x11223344:  bytes 11 22 33 44"
                        : "= 0x11223344:  bytes 44 33 22 11");
                assertThat(r.stdout()).containsPattern("PTE of 0x[0-9a-f]+: pfn 0x[0-9a-f]+ \\[P RW USR[A-Z ]* SPECIAL\\]");
            }
            default -> assertThat(r.stdout()).contains("refcount 2 mapcount 2 anon", "wp_page_copy: COW copy of pfn",
                    "wp_page_reuse", "\"written by the child\"", "every page is back");
        }
    }

    @Test
    void withoutANameItListsTheDemos() {
        Launcher.Result r = Launcher.run("demo");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout().lines().filter(l -> l.startsWith("  ")).map(l -> l.strip().split(" +")[0]).toList())
                .containsExactly("gup-driver", "gup-write-force", "copy-to-user", "fork-cow", "device-driver");
    }

    @Test
    void anUnknownNameExitsWithTwoTheListAndANearMiss() {
        Launcher.Result r = Launcher.run("demo", "gup-drivre");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("kmemu: demo: no such demo: gup-drivre (did you mean: gup-driver?)", "fork-cow");
    }

    @Test
    void nameHelpDescribesOneDemo() {
        Launcher.Result r = Launcher.run("demo", "gup-write-force", "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("Usage: kmemu demo gup-write-force").contains("access_process_vm");
    }

    /** Every {@code ./kmemu demo} line in README.md's "Demos" section runs as written (comments cut). */
    @Test
    void theReadmesDemoLinesRun() throws IOException {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        int start = readme.indexOf("## Demos\n");
        assertThat(start).as("README's Demos section").isNotNegative();
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        List<String[]> commands = new ArrayList<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("./kmemu demo")) {
                String cmd = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
                String[] words = cmd.strip().split(" +");
                commands.add(Arrays.copyOfRange(words, 1, words.length));
            }
        }
        assertThat(commands).as("command lines in README's Demos").hasSizeGreaterThanOrEqualTo(6);
        for (String[] args : commands) {
            Launcher.Result r = Launcher.run(args);
            assertThat(r.code()).as(String.join(" ", args) + "\n" + r).isZero();
            assertThat(r.stdout()).as(String.join(" ", args)).isNotEmpty();
        }
    }
}
