package org.kmemu.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's own behaviour; booting through plugins is tested end to end in distribution/. */
class MainTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void unknownProcFileIsAUsageErrorListingTheFiles() {
        Run r = run("proc", "swaps");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("kmemu: no such /proc file: swaps (expected one of: buddyinfo, pagetypeinfo, zoneinfo, iomem,"
                + " meminfo, slabinfo, vmallocinfo, vmstat)");
    }

    @Test
    void missingPluginDirectoryIsAConfigErrorOnOneLine() {
        Run r = run("boot", "--plugins", dir.resolve("none").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("kmemu: kmemu.plugins.dir: ").endsWith("(expected: the directory holding plugin jars)");
    }

    @Test
    void emptyPluginDirectoryListsNoArchitecture() {
        Run r = run("boot", "--plugins", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("kmemu.machine.arch: no loaded plugin provides the architecture \"x86_64\" (expected one of: none loaded from");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("boot", "proc", "layout", "plugins", "config");
    }

    @Test
    void demoWithoutANameListsTheDemos() {
        Run r = run("demo");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("gup-driver", "gup-write-force", "copy-to-user", "fork-cow",
                org.kmemu.core.demo.Demos.find("fork-cow").summary());
    }

    @Test
    void anUnknownDemoIsAUsageErrorWithTheListAndANearMiss() {
        Run r = run("demo", "fork-cwo");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("kmemu: demo: no such demo: fork-cwo (did you mean: fork-cow?)", "gup-driver", "copy-to-user");
        assertThat(run("demo", "zzzzzzzzzz").err()).contains("no such demo: zzzzzzzzzz\n").doesNotContain("did you mean");
    }

    @Test
    void demoNameHelpDescribesTheDemoWithoutBooting() {
        Run r = run("demo", "copy-to-user", "--help", "--plugins", dir.resolve("none").toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: kmemu demo copy-to-user [-c FILE]").contains(
                org.kmemu.core.demo.Demos.find("copy-to-user").description().get(0));
    }

    @Test
    void demoHelpWithoutANameGivesTheUsageAndTheList() {
        Run r = run("demo", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: kmemu demo").contains("[NAME]", "The demo to run.", "  fork-cow  ");
    }
}
