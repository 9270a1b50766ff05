package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The command line as a new user meets it through {@code ./kmemu} (issue 8, defects 1-3): common
 * options mean the same before and after the command, every command takes {@code --help}, and the
 * top-level help is complete.
 */
class CommandLineTest {
    private static final String X86_64 = "config/machines/x86_64.conf";

    @Test
    void aConfigBeforeTheCommandChoosesTheMachine() {
        Launcher.Result before = Launcher.run("-c", X86_64, "proc", "buddyinfo");
        Launcher.Result after = Launcher.run("proc", "buddyinfo", "-c", X86_64);
        assertThat(before.code()).as(before.toString()).isZero();
        assertThat(before.stdout()).as(before.toString()).contains("zone    DMA32").doesNotContain("HighMem");
        assertThat(before).isEqualTo(after);
    }

    @Test
    void aMissingConfigBeforeTheCommandIsAnError() {
        Launcher.Result r = Launcher.run("-c", "/nonexistent.conf", "proc", "buddyinfo");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).isEqualTo("kmemu: /nonexistent.conf: no such config file\n");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void anOverrideBeforeTheCommandIsApplied() {
        Launcher.Result r = Launcher.run("-D", "kmemu.cpus=lots", "boot");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).contains("kmemu.cpus", "expected: an integer");
    }

    @Test
    void aConfigOnBothSidesIsRefusedNotSilentlyChosen() {
        Launcher.Result r = Launcher.run("-c", X86_64, "proc", "buddyinfo", "-c", "config/machines/i386-pae.conf");
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).as(r.toString()).contains("option '--config' should be specified only once");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void everyCommandTakesHelp() {
        for (String cmd : new String[] {"boot", "proc", "layout", "memmap", "translate", "demo", "plugins", "config", "trace", "shell"}) {
            Launcher.Result r = Launcher.run(cmd, "--help");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.stdout()).as(r.toString()).startsWith("Usage: kmemu " + cmd + " ").contains("-c, --config=FILE");
        }
    }

    @Test
    void theHelpCommandPrintsTheTopHelpAndACommandsHelp() {
        Launcher.Result top = Launcher.run("help");
        assertThat(top.code()).as(top.toString()).isZero();
        assertThat(top.stdout()).startsWith("Usage: kmemu ").contains("Commands:");
        Launcher.Result proc = Launcher.run("help", "proc");
        assertThat(proc.code()).as(proc.toString()).isZero();
        assertThat(proc.stdout()).startsWith("Usage: kmemu proc ");
        assertThat(proc).isEqualTo(Launcher.run("proc", "--help"));
    }

    @Test
    void demoKeepsItsOwnHelp() {
        Launcher.Result r = Launcher.run("demo", "fork-cow", "--help");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("Usage: kmemu demo fork-cow [-c FILE]");
    }

    @Test
    void theTopLevelHelpListsEveryProcFileAndWholeSummaries() {
        Launcher.Result r = Launcher.run("--help");
        assertThat(r.code()).as(r.toString()).isZero();
        String help = r.stdout().replaceAll("\\s+", " ");
        String proc = help.substring(help.indexOf(" proc "), help.indexOf(" layout "));
        assertThat(proc).contains("buddyinfo", "pagetypeinfo", "zoneinfo", "iomem", "meminfo", "slabinfo", "vmallocinfo", "vmstat");
        assertThat(help).contains(" translate Boot, then translate a virtual address through the kernel page tables. ");
        assertThat(help).doesNotContain("tables: ");
    }

    @Test
    void shellCompletionCompletesProcFiles() {
        Launcher.Result r = Launcher.run("generate-completion");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("#!/usr/bin/env bash").contains("\"vmallocinfo\" \"vmstat\"");
    }

    /** Issue 8, defect 9: an empty plugin directory names the missing architecture; `plugins` lists none. */
    @Test
    void anEmptyPluginDirectorySaysNoPluginProvidesTheArchitecture(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty) {
        Launcher.Result boot = Launcher.run("--plugins", empty.toString(), "boot");
        assertThat(boot.code()).as(boot.toString()).isEqualTo(1);
        assertThat(boot.stderr()).contains("no loaded plugin provides kmemu.arch.i386: no architecture plugin is loaded");
        Launcher.Result list = Launcher.run("--plugins", empty.toString(), "plugins");
        assertThat(list.code()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains("no plugins in " + empty.toAbsolutePath().normalize());
    }
}
