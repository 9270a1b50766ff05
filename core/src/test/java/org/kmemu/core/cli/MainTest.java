package org.kmemu.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kmemu.core.proc.ProcFs;
import picocli.CommandLine;
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
        assertThat(r.err()).contains("kmemu: no such /proc file: swaps (expected one of: buddyinfo, pagetypeinfo, zoneinfo, iomem, ioports,"
                + " meminfo, slabinfo, vmallocinfo, vmstat; or PID/maps, PID/smaps, self/maps, self/smaps)");
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

    @Test
    void aConfigBeforeTheCommandIsReadAsOneAfterIt() {
        String missing = dir.resolve("nonexistent.conf").toString();
        Run before = run("-c", missing, "proc", "buddyinfo");
        Run after = run("proc", "buddyinfo", "-c", missing);
        assertThat(before.code()).as(before.err()).isEqualTo(1);
        assertThat(before.err()).contains("nonexistent.conf: no such config file");
        assertThat(before).isEqualTo(after);
    }

    @Test
    void aConfigOnBothSidesOfTheCommandIsAUsageError() {
        Run r = run("-c", "a.conf", "proc", "-c", "b.conf", "buddyinfo");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("option '--config' should be specified only once (given to 'kmemu' and to 'kmemu proc')");
    }

    @Test
    void pluginsIsRepeatableOnEitherSideOfTheCommand() throws Exception {
        Path a = java.nio.file.Files.createDirectories(dir.resolve("a"));
        Path b = java.nio.file.Files.createDirectories(dir.resolve("b"));
        Run r = run("--plugins", a.toString(), "plugins", "--plugins", b.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("no plugins in " + a.toAbsolutePath().normalize() + ", " + b.toAbsolutePath().normalize());
        assertThat(run("--plugins", a.toString(), "--plugins", b.toString(), "plugins").out())
                .contains("no plugins in " + a.toAbsolutePath().normalize() + ", " + b.toAbsolutePath().normalize());
        assertThat(run("plugins", "--plugins", b.toString(), "--plugins", a.toString()).out())
                .contains("no plugins in " + b.toAbsolutePath().normalize() + ", " + a.toAbsolutePath().normalize());
        Run missing = run("--plugins", a.toString(), "plugins", "--plugins", dir.resolve("none").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains(dir.resolve("none") + " is not a directory");
    }

    @Test
    void pluginsDirInAConfigIsAStringOrAList() throws Exception {
        Path a = java.nio.file.Files.createDirectories(dir.resolve("a"));
        Path b = java.nio.file.Files.createDirectories(dir.resolve("b"));
        Path list = dir.resolve("list.conf");
        java.nio.file.Files.writeString(list, "kmemu.plugins.dir = [\"" + a + "\", \"" + b + "\"]\n");
        Run r = run("plugins", "-c", list.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("no plugins in " + a.toAbsolutePath().normalize() + ", " + b.toAbsolutePath().normalize());
        Path one = dir.resolve("one.conf");
        java.nio.file.Files.writeString(one, "kmemu.plugins.dir = \"" + a + "\"\n");
        assertThat(run("plugins", "-c", one.toString()).out()).contains("no plugins in " + a.toAbsolutePath().normalize() + "\n");
        Path empty = dir.resolve("empty.conf");
        java.nio.file.Files.writeString(empty, "kmemu.plugins.dir = []\n");
        Run e = run("plugins", "-c", empty.toString());
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.err().strip()).isEqualTo("kmemu: " + empty.toAbsolutePath().normalize() + ":1: kmemu.plugins.dir: an empty list (expected: at least one directory)");
        Path number = dir.resolve("number.conf");
        java.nio.file.Files.writeString(number, "kmemu.plugins.dir = {a = 1}\n");
        assertThat(run("plugins", "-c", number.toString()).err()).contains("kmemu.plugins.dir: expected a string or a list of strings");
    }

    @Test
    void everyCommandTakesHelpAndHelpCommandPrintsTheSame() {
        Map<String, CommandLine> subs = Main.commandLine().getSubcommands();
        assertThat(subs.keySet()).contains("boot", "proc", "layout", "memmap", "translate", "demo", "plugins", "config", "help");
        for (String name : subs.keySet()) {
            if (name.equals("help")) {
                continue;
            }
            Run r = run(name, "--help");
            assertThat(r.code()).as(name + ": " + r.err()).isZero();
            assertThat(r.out()).as(name).startsWith("Usage: kmemu " + name);
            if (!name.equals("demo")) {
                assertThat(run("help", name)).as(name).isEqualTo(r);
                assertThat(run(name, "-h")).as(name).isEqualTo(r);
            }
        }
    }

    @Test
    void helpWithoutACommandIsTheTopLevelHelp() {
        Run r = run("help");
        assertThat(r.code()).isZero();
        assertThat(r).isEqualTo(run("--help"));
        assertThat(r.out()).startsWith("Usage: kmemu ").contains("Commands:", "  help ");
    }

    @Test
    void everyCommandTakesVersion() {
        String version = run("--version").out();
        assertThat(version).startsWith("kmemu ");
        for (String name : List.of("boot", "proc", "demo", "translate")) {
            assertThat(run(name, "--version").out()).as(name).isEqualTo(version);
        }
    }

    @Test
    void theTopLevelHelpListsEveryProcFile() {
        String help = run("--help").out().replaceAll("\\s+", " ");
        String proc = help.substring(help.indexOf(" proc "), help.indexOf(" layout "));
        assertThat(ProcFs.names()).contains("slabinfo", "vmallocinfo", "vmstat");
        for (String name : ProcFs.names()) {
            assertThat(proc).contains(name);
        }
        assertThat(run("proc", "--help").out().replaceAll("\\s+", " ")).contains("NAME The /proc file: " + String.join(", ", ProcFs.names()) + ".");
    }

    @Test
    void everyCommandsSummaryIsAWholeSentence() {
        for (Map.Entry<String, CommandLine> e : Main.commandLine().getSubcommands().entrySet()) {
            String[] description = e.getValue().getCommandSpec().usageMessage().description();
            assertThat(description).as(e.getKey()).isNotEmpty();
            assertThat(description[0]).as(e.getKey()).endsWith(".");
        }
        String help = run("--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains(" translate Boot, then translate a virtual address through the kernel page tables. ");
    }

    @Test
    void shellCompletionCompletesCommandsAndProcFiles() {
        Run r = run("generate-completion");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("boot proc debugfs layout memmap translate demo plugins config experiment trace shell help",
                "(\"" + String.join("\" \"", ProcFs.names()) + "\")",
                "(\"" + String.join("\" \"", org.kmemu.core.proc.DebugFs.names()) + "\")");
    }
}
