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
}
