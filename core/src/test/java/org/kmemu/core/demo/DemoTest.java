package org.kmemu.core.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * Every demo on the core's test machines (x86_64-like, i386-like with highmem, e500-like with a software
 * TLB): it runs to the end, and the lines that carry its point say what the kernel did.
 */
class DemoTest {
    static Stream<String> machines() {
        return Stream.of("x86_64", "i386", "e500-like");
    }

    static Machine boot(String name) {
        return switch (name) {
            case "x86_64" -> TestMachines.x86_64(256L << 20);
            case "i386" -> TestMachines.i386(1L << 30);
            default -> TestMachines.boot(new I386TestArch(true), 256L << 20, 2);
        };
    }

    static String run(String demo, String machine) {
        StringWriter sw = new StringWriter();
        Demos.find(demo).run(boot(machine), new PrintWriter(sw, true));
        return sw.toString();
    }

    static Stream<Arguments> everyDemoOnEveryMachine() {
        // device-driver needs a uart and a framebuffer on the bus: DeviceDriverDemoTest boots them
        return machines().flatMap(m -> Demos.all().stream().filter(d -> !d.name().equals("device-driver"))
                .map(d -> Arguments.of(d.name(), m)));
    }

    @ParameterizedTest
    @MethodSource("everyDemoOnEveryMachine")
    void runsToTheEndWithItsHeader(String demo, String machine) {
        String out = run(demo, machine);
        assertThat(out).startsWith("kmemu demo " + demo + ": " + Demos.find(demo).summary() + "\nmachine: ");
        assertThat(out).doesNotContain("PAGES LOST", "DIFFERENT BYTES", "DIRTY");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void gupDriverPinsKmapsFillsAndTheTaskSeesTheData(String machine) {
        String out = run("gup-driver", machine);
        assertThat(out).containsPattern("pin_user_pages\\(0x[0-9a-f]+, 3, FOLL_WRITE, pages\\) = 3\n");
        assertThat(count(out, "do_anonymous_page: a new zeroed page")).as("one fault per marker").isEqualTo(3);
        assertThat(count(out, "refcount 1025 (= 1 pin x GUP_PIN_COUNTING_BIAS 1024 + 1) mapcount 1 anon")).isEqualTo(3);
        assertThat(count(out, "the driver reads at 0x")).isEqualTo(3);
        assertThat(out).contains("0x", "\"filled by the driver, page 2\"", "every page is back");
        assertThat(section(out, 5)).as("after unpin_user_pages_dirty_lock").contains("refcount 1 mapcount 1 anon flags [uptodate|dirty|");
        if (!machine.equals("i386")) {
            assertThat(count(out, "(lowmem page: the direct map")).as("no highmem on a 64-bit or a 256 MiB machine").isEqualTo(3);
        } else {
            assertThat(count(out, " HighMem refcount 1025")).as("GFP_HIGHUSER pages of a 1 GiB i386").isEqualTo(3);
            assertThat(out).containsPattern("kmap\\(pages\\[0\\]\\) = 0x[0-9a-f]+  \\(HighMem page: pkmap slot \\d+ = PKMAP_BASE");
        }
    }

    @ParameterizedTest
    @MethodSource("machines")
    void gupWriteForceGivesTheCacheThenEfaultThenAPrivateCopy(String machine) {
        String out = run("gup-write-force", machine);
        String table = section(out, 3);
        assertThat(table).containsPattern("    0     0  1 page                1          0  pfn (0x[0-9a-f]+) page-cache page\n");
        Matcher cache = Pattern.compile("    0     1  1 page                0          0  pfn (0x[0-9a-f]+) page-cache page\n").matcher(table);
        assertThat(cache.find()).as(table).isTrue();
        assertThat(table).contains("    1     0  -EFAULT               0          0  none\n");
        Matcher copy = Pattern.compile("    1     1  1 page                1          1  pfn (0x[0-9a-f]+) private anon copy\n").matcher(table);
        assertThat(copy.find()).as(table).isTrue();
        assertThat(copy.group(1)).isNotEqualTo(cache.group(1));
        assertThat(out).contains("do_read_fault: the page-cache page", "do_wp_page -> wp_page_copy: COW copy of pfn " + cache.group(1)
                + " into pfn " + copy.group(1));
        assertThat(out).contains("= -14 (-EFAULT)\n     no page fault\n");
        assertThat(out).containsPattern("the task reads 0x[0-9a-f]+: \"poked by the debugger\"\n");
        assertThat(out).contains("read(fd, buf, 64) = 23: \"original file contents\"\n",
                "holds \"original file contents\", clean: nothing to write back");
        assertThat(out).contains("(the file's page stays cached: 1)");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void copyToUserStopsAtTheHoleByBothPaths(String machine) {
        String out = run("copy-to-user", machine);
        String direct = section(out, 2);
        String gup = section(out, 3);
        for (String s : List.of(direct, gup)) {
            assertThat(s).containsPattern("copy_to_user\\(0x[0-9a-f]+, 0x[0-9a-f]+, 4246\\) = 50\n");
            assertThat(s).contains("bytes not copied: 50 (exactly the bytes that fall in the hole)", "the kernel buffer's bytes");
            assertThat(count(s, "do_anonymous_page: a new zeroed page")).isEqualTo(2);
        }
        assertThat(count(direct, "#PF write fault at")).isEqualTo(3);
        assertThat(direct).contains("(kernel mode) -> bad area (no VMA there): the exception table's fixup ends the access",
                "get_user_pages calls: 0");
        assertThat(count(gup, "GUP write fault at")).isEqualTo(2);
        assertThat(gup).doesNotContain("#PF").contains("get_user_pages calls: 3 (", "kmap_atomic/kunmap_atomic pairs: 2\n");
        assertThat(gup).as("the 4G/4G path dirties what it wrote").contains("anon flags [uptodate|dirty|");
        assertThat(out).contains("every page is back");
        assertThat(out).as("the test machines have no STLB").containsPattern("TLB on CPU 0: \\d+ misses, \\d+ page-table walks,"
                + " 0 refills from the second-level TLB during the copy");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void forkCowCopiesForTheChildAndReusesForTheParent(String machine) {
        String out = run("fork-cow", machine);
        assertThat(section(out, 2)).contains("refcount 2 mapcount 2 anon");
        assertThat(section(out, 2)).doesNotContain("anon_exclusive").containsPattern("parent PTE of 0x[0-9a-f]+: pfn 0x[0-9a-f]+ \\[P USR");
        assertThat(section(out, 2)).as("smaps through ProcFs").containsPattern("/proc/\\d+/smaps: Pss: 2 kB, Shared_Dirty: 4 kB: the page is mapped twice");
        assertThat(section(out, 2)).as("maps through ProcFs").containsPattern("child's VMA: [0-9a-f]{8,}-[0-9a-f]{8,} rw-p 00000000 00:00 0\n");
        assertThat(section(out, 3)).contains("(user mode) -> do_wp_page -> wp_page_copy: COW copy of pfn");
        assertThat(section(out, 3)).containsPattern("/proc/\\d+/smaps: Pss: 4 kB: the parent's page is its own again");
        assertThat(section(out, 4)).contains("(user mode) -> do_wp_page -> wp_page_reuse:").containsPattern("parent PTE of 0x[0-9a-f]+: pfn 0x[0-9a-f]+ \\[P RW USR");
        assertThat(section(out, 5)).contains("reads 0x", "\"written by the parent after fork\"", "\"written by the child\"");
        assertThat(out).contains("every page is back");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gup-driver", "gup-write-force", "copy-to-user", "fork-cow"})
    void outputIsTheSameOnEveryRun(String demo) {
        assertThat(run(demo, "i386")).isEqualTo(run(demo, "i386"));
    }

    @Test
    void theFaultLogPutsTheHandlerBack() {
        Machine m = boot("x86_64");
        var before = m.mmu().pageFaultHandler();
        Demos.find("fork-cow").run(m, new PrintWriter(new StringWriter()));
        assertThat(m.mmu().pageFaultHandler()).isSameAs(before);
    }

    /** @return the text of step n (from "n. " to the next step) */
    static String section(String out, int n) {
        int start = out.indexOf("\n" + n + ". ");
        assertThat(start).as("step %d in%n%s", n, out).isNotNegative();
        int end = out.indexOf("\n" + (n + 1) + ". ", start);
        return out.substring(start, end < 0 ? out.length() : end);
    }

    static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
