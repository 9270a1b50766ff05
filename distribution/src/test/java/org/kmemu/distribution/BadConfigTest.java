package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad config fails before boot, with one line that names the file and line and says what was
 * expected.
 */
class BadConfigTest {
    @TempDir
    Path dir;

    private Launcher.Result bootWith(String hocon) throws IOException {
        Path f = dir.resolve("bad.conf");
        Files.writeString(f, hocon);
        return Launcher.run("boot", "-c", f.toString());
    }

    private static void assertFailsWith(Launcher.Result r, String... fragments) {
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).as(r.toString()).doesNotContain("Zone ranges");
        assertThat(r.stderr()).as(r.toString()).startsWith("kmemu: ").contains(fragments);
        assertThat(r.stderr().strip().lines()).as(r.toString()).hasSize(1);
    }

    @Test
    void unknownKeyNamesFileLineAndTheKeysThatExist() throws IOException {
        Launcher.Result r = bootWith("include \"" + Launcher.ROOT.resolve("config/machines/x86_64.conf") + "\"\n"
                + "kmemu {\n  memory {\n    sise = 4G\n  }\n}\n");
        assertFailsWith(r, "bad.conf:4", "kmemu.memory.sise: unknown key", "expected one of: map, poison, size");
    }

    @Test
    void unknownPluginKeyIsAnError() throws IOException {
        Launcher.Result r = bootWith("kmemu.arch.i386.no-such-option = true\n");
        assertFailsWith(r, "bad.conf:1", "kmemu.arch.i386.no-such-option: unknown key");
    }

    @Test
    void wrongTypeSaysWhatWasExpected() throws IOException {
        Launcher.Result r = bootWith("kmemu.cpus = lots\n");
        assertFailsWith(r, "bad.conf:1", "kmemu.cpus", "expected: an integer");
    }

    @Test
    void sizeThatIsNotAMemorySize() throws IOException {
        Launcher.Result r = bootWith("kmemu.memory.size = big\n");
        assertFailsWith(r, "bad.conf:1", "kmemu.memory.size", "expected: a memory size");
    }

    @Test
    void decimalUnitsThatAreNotWholePagesAreExplained() throws IOException {
        Launcher.Result r = bootWith("kmemu.memory.size = 4000kB\n");
        assertFailsWith(r, "bad.conf:1", "not a whole number of 4096-byte pages", "powers of 1000");
    }

    @Test
    void overlappingRegionsNameBothLines() throws IOException {
        Launcher.Result r = bootWith("kmemu.memory.map = [\n"
                + "  { start = 0, size = 512M, type = usable }\n"
                + "  { start = 0x10000000, size = 256M, type = reserved }\n"
                + "]\n");
        assertFailsWith(r, "bad.conf:3", "overlaps", "bad.conf:2");
    }

    @Test
    void moreMemoryThanTheArchitectureCanAddress() throws IOException {
        Launcher.Result r = bootWith("kmemu.machine.arch = i386\nkmemu.arch.i386.pae = false\n"
                + "kmemu.memory.map = [ { start = 0x100000000, size = 1G, type = usable } ]\n");
        assertFailsWith(r, "bad.conf:3", "32-bit physical");
    }

    @Test
    void selectingAnArchitectureNobodyProvidesListsTheLoadedOnes() throws IOException {
        Launcher.Result r = bootWith("kmemu.machine.arch = riscv64\n");
        assertFailsWith(r, "bad.conf:1", "riscv64", "expected one of: booke, i386, x86_64");
    }

    @Test
    void missingFileIsNamed() {
        Launcher.Result r = Launcher.run("boot", "-c", dir.resolve("nope.conf").toString());
        assertFailsWith(r, "nope.conf: no such config file");
    }
}
