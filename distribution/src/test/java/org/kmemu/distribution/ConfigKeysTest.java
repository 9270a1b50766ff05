package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, defects 4 and 5 through the real {@code ./kmemu}: a key the chosen machine does not use,
 * and a key outside {@code kmemu}, are errors that say why and where, not settings silently ignored.
 */
class ConfigKeysTest {
    @TempDir
    Path dir;

    private static void assertFailsWith(Launcher.Result r, String... fragments) {
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).as(r.toString()).doesNotContain("Zone ranges");
        assertThat(r.stderr()).as(r.toString()).startsWith("kmemu: ").contains(fragments);
        assertThat(r.stderr().strip().lines()).as(r.toString()).hasSize(1);
    }

    private Launcher.Result bootWith(String hocon) throws IOException {
        Path f = dir.resolve("user.conf");
        Files.writeString(f, hocon);
        return Launcher.run("boot", "-c", f.toString());
    }

    @Test
    void sizeOnTheDefaultMachineIsNotUsedBecauseItsMemoryIsAMap() {
        Launcher.Result r = Launcher.run("boot", "-D", "kmemu.memory.size=64G");
        assertFailsWith(r, "kmemu: command line (-D kmemu.memory.size): kmemu.memory.size: not used:",
                "memory is given by kmemu.memory.map at " + Launcher.ROOT.resolve("config/machines/i386-highmem.conf") + ":10",
                "set kmemu.memory.map = []");
    }

    @Test
    void sizeOfTheWrongTypeOnTheDefaultMachineNamesTheCommandLine() {
        Launcher.Result r = Launcher.run("boot", "-D", "kmemu.memory.size=lots");
        assertFailsWith(r, "kmemu: command line (-D kmemu.memory.size): kmemu.memory.size: \"lots\" (expected: a memory size");
    }

    @Test
    void anEmptyMapLetsTheSizeBeLaidOut() {
        Launcher.Result r = Launcher.run("proc", "meminfo", "-D", "kmemu.memory.map=[]", "-D", "kmemu.memory.size=2G");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).containsPattern("MemTotal:\\s+\\d+ kB");
        long kb = Long.parseLong(r.stdout().replaceAll("(?s).*MemTotal:\\s+(\\d+) kB.*", "$1"));
        assertThat(kb).as(r.toString()).isBetween(1L << 20, 2L << 20);
    }

    @Test
    void misspeltRootOnTheCommandLineSuggestsKmemu() {
        Launcher.Result r = Launcher.run("boot", "-D", "kmmeu.memory.size=64G");
        assertFailsWith(r, "kmemu: command line (-D kmmeu.memory.size): kmmeu.memory.size: unknown key (expected one of: kmemu);"
                + " did you mean kmemu?");
    }

    @Test
    void unrelatedTopLevelKeyInAFileNamesFileAndLine() throws IOException {
        Launcher.Result r = bootWith("kmemu.cpus = 2\nfoo = 1\n");
        assertFailsWith(r, "user.conf:2: foo: unknown key (expected one of: kmemu)");
        assertThat(r.stderr()).doesNotContain("did you mean");
    }

    @Test
    void misspeltRootObjectInAFileSuggestsKmemu() throws IOException {
        Launcher.Result r = bootWith("# my machine\nkmmeu {\n  memory.size = 64G\n}\n");
        assertFailsWith(r, "user.conf:2: kmmeu.memory.size: unknown key (expected one of: kmemu); did you mean kmemu?");
    }

    @Test
    void settingsOfAnArchitectureTheMachineDoesNotUseAreRefused() {
        Launcher.Result r = Launcher.run("boot", "-c", "config/machines/x86_64.conf", "-D", "kmemu.arch.i386.pae=true");
        assertFailsWith(r, "kmemu: command line (-D kmemu.arch.i386.pae): kmemu.arch.i386.pae: not used:"
                + " this machine's architecture is x86_64 (kmemu.machine.arch at ", "config/machines/x86_64.conf:3)");
    }

    @Test
    void aMapInTheUsersFileReplacesTheSizeOfTheMachineFileItIncludes() throws IOException {
        Launcher.Result r = bootWith("include \"" + Launcher.ROOT.resolve("config/machines/x86_64.conf") + "\"\n"
                + "kmemu.memory.map = [ { start = 0, size = 0x9fc00, type = usable }, { start = 0x100000, size = 1G, type = usable } ]\n");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("Zone ranges");
    }
}
