package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 8, defect 6 through the real {@code ./kmemu}: {@code kmemu config} prints a machine file that,
 * given back with {@code -c}, boots the very machine it describes (same boot log, same zones), for every
 * shipped machine and the default, with {@code -D} overrides and with another object allocator.
 */
class ConfigRoundTripTest {
    @TempDir
    Path dir;

    /** The shipped machines, and "" for the default (no -c). */
    static Stream<String> machines() throws IOException {
        return Stream.concat(Stream.of(""), ShippedMachinesTest.machines());
    }

    private static List<String> args(String command, String machine, String... more) {
        List<String> a = new ArrayList<>(List.of(command.split(" ")));
        if (!machine.isEmpty()) {
            a.add("-c");
            a.add(machine);
        }
        a.addAll(List.of(more));
        return a;
    }

    private static Launcher.Result run(List<String> args) {
        return Launcher.run(args.toArray(String[]::new));
    }

    /** {@code kmemu config} of the machine, written to a file. */
    private Path printed(String machine, String... more) throws IOException {
        Launcher.Result r = run(args("config", machine, more));
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        Path f = dir.resolve("printed.conf");
        Files.writeString(f, r.stdout());
        return f;
    }

    /** Runs {@code command} on the machine as given and on its printed file: the outputs must be equal. */
    private void assertSameMachine(Path file, String command, String machine, String... more) {
        Launcher.Result original = run(args(command, machine, more));
        Launcher.Result again = run(args(command, file.toString()));
        assertThat(original.code()).as(original.toString()).isZero();
        assertThat(again.code()).as(again.toString()).isZero();
        assertThat(again.stderr()).as(again.toString()).isEmpty();
        assertThat(again.stdout()).as(command + " of the printed file").isEqualTo(original.stdout()).isNotBlank();
    }

    @ParameterizedTest
    @MethodSource("machines")
    void thePrintedFileBootsTheSameMachine(String machine) throws IOException {
        Path f = printed(machine);
        assertSameMachine(f, "boot", machine);
        assertSameMachine(f, "proc zoneinfo", machine);
    }

    @Test
    void overridesFromTheCommandLineAreInTheFileWithTheirOrigin() throws IOException {
        String[] d = {"-D", "kmemu.cpus=4", "-D", "kmemu.memory.size=3G", "-D", "kmemu.arch.x86_64.levels=5"};
        Path f = printed("config/machines/x86_64.conf", d);
        String text = Files.readString(f);
        assertThat(text).contains("cpus = 4  # command line (-D kmemu.cpus)\n", "size = \"3G\"  # command line (-D kmemu.memory.size)\n",
                "levels = 5  # command line (-D kmemu.arch.x86_64.levels)\n");
        assertSameMachine(f, "boot", "config/machines/x86_64.conf", d);
        assertSameMachine(f, "proc zoneinfo", "config/machines/x86_64.conf", d);
    }

    @Test
    void aMapReplacedBySizeOnTheCommandLineRoundTrips() throws IOException {
        String[] d = {"-D", "kmemu.memory.map=[]", "-D", "kmemu.memory.size=2G"};
        Path f = printed("", d);
        assertThat(Files.readString(f)).contains("size = \"2G\"  # command line (-D kmemu.memory.size)\n",
                "map = []  # command line (-D kmemu.memory.map)\n");
        assertSameMachine(f, "boot", "", d);
        assertSameMachine(f, "proc meminfo", "", d);
    }

    @Test
    void anotherObjectAllocatorRoundTripsWithItsSettings() throws IOException {
        String[] d = {"-D", "kmemu.machine.object-allocator=slab", "-D", "kmemu.object-allocator.slab.shared-factor=4"};
        Path f = printed("config/machines/i386-pae.conf", d);
        String text = Files.readString(f);
        assertThat(text).contains("object-allocator = slab  # command line (-D kmemu.machine.object-allocator)\n",
                "    slab {\n", "shared-factor = 4  # command line (-D kmemu.object-allocator.slab.shared-factor)\n",
                "max-order = 1  # plugin slab reference.conf:")
                .contains("# slub, slob: not used: this machine's object allocator is slab")
                .doesNotContain("    slub {", "    slob {");
        assertSameMachine(f, "boot", "config/machines/i386-pae.conf", d);
        assertSameMachine(f, "proc slabinfo", "config/machines/i386-pae.conf", d);
        Path slob = printed("config/machines/booke-e500.conf", "-D", "kmemu.machine.object-allocator=slob");
        assertThat(Files.readString(slob)).contains("    slob {\n", "keep-empty-page = false  # plugin slob reference.conf:");
        assertSameMachine(slob, "proc meminfo", "config/machines/booke-e500.conf", "-D", "kmemu.machine.object-allocator=slob");
    }

    @Test
    void everyValueNamesWhereItWasSet() throws IOException {
        String text = Files.readString(printed("config/machines/x86_64.conf"));
        assertThat(text).startsWith("# The machine as kmemu configures it").contains("\nkmemu {\n")
                .contains("    arch = x86_64  # config/machines/x86_64.conf:3\n", "  cpus = 2  # config/machines/x86_64.conf:4\n",
                        "    object-allocator = slub  # kmemu-core reference.conf:", "    struct-page-bytes = 64  # plugin x86_64 reference.conf:8\n",
                        "      pageblock-order = 9  # config/machines/x86_64.conf:10\n")
                .containsPattern("(?m)^      max-order = 10  # plugin buddy reference.conf:\\d+$");
        // Every line that sets a value says where it came from.
        text.lines().filter(l -> l.contains(" = ") && !l.strip().startsWith("#") && !l.strip().startsWith("{"))
                .forEach(l -> assertThat(l).as(l).contains("  # "));
    }

    @Test
    void keysTheMachineDoesNotReadAreCommentsNotSettings() throws IOException {
        String text = Files.readString(printed(""));
        // The default machine's memory is a map: a size in the file would be refused as not used. (kmemu.memory's
        // keys sit at four spaces; the frame buffer's kmemu.device.framebuffer.size, deeper, is a real setting.)
        assertThat(text).doesNotContainPattern("(?m)^ {4}size = ").contains("# size: not used: this machine's memory is given by"
                + " kmemu.memory.map at " + Launcher.ROOT.resolve("config/machines/i386-highmem.conf") + ":10");
        assertThat(text).contains("    i386 {\n", "# booke, x86_64: not used: this machine's architecture is i386")
                .doesNotContain("    x86_64 {", "    booke {");
    }

    /** A file given by its bare name reads its includes from beside it (the parser skipped them silently). */
    @Test
    void aFileNamedWithoutADirectoryReadsTheFileItIncludes() throws IOException {
        Files.writeString(dir.resolve("base.conf"), "kmemu {\n  machine { arch = booke }\n  memory.size = 1G\n}\n");
        Files.writeString(dir.resolve("mine.conf"), "include \"base.conf\"\nkmemu.cpus = 3\n");
        Launcher.Result r = Launcher.runIn(dir, "config", "-c", "mine.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("    arch = booke  # ./base.conf:2\n", "  cpus = 3  # ./mine.conf:2\n");
    }

    @Test
    void thePluginDirectoryUsedIsWrittenAbsoluteSoTheFileBootsFromAnywhere() throws IOException {
        String plugins = Launcher.DIST.resolve("plugins").toString();
        Path f = printed("config/machines/booke-e500.conf", "--plugins", plugins);
        assertThat(Files.readString(f)).contains("  plugins {\n    dir = \"" + plugins + "\"  # command line (--plugins)\n  }\n");
        Path launcherDefault = printed("config/machines/booke-e500.conf");
        assertThat(Files.readString(launcherDefault)).contains("dir = \"" + plugins + "\"  # the kmemu launcher's plugins directory\n");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Launcher.Result there = Launcher.runIn(elsewhere, "proc", "buddyinfo", "-c", f.toString());
        Launcher.Result here = Launcher.run("proc", "buddyinfo", "-c", "config/machines/booke-e500.conf");
        assertThat(there.code()).as(there.toString()).isZero();
        assertThat(there.stdout()).isEqualTo(here.stdout());
    }

    /** Several --plugins directories are written as a list, in search order, and the file loads from them. */
    @Test
    void severalPluginDirectoriesAreWrittenAsAListTheFileLoadsFrom() throws IOException {
        Path archs = Files.createDirectories(dir.resolve("archs"));
        Path allocators = Files.createDirectories(dir.resolve("allocators"));
        try (Stream<Path> jars = Files.list(Launcher.DIST.resolve("plugins"))) {
            for (Path jar : jars.toList()) {
                Path to = jar.getFileName().toString().contains("-arch-") ? archs : allocators;
                Files.copy(jar, to.resolve(jar.getFileName()));
            }
        }
        Path f = printed("config/machines/x86_64.conf", "--plugins", archs.toString(), "--plugins", allocators.toString());
        assertThat(Files.readString(f)).contains("    dir = [\"" + archs + "\", \"" + allocators + "\"]  # command line (--plugins)\n");
        Launcher.Result listed = Launcher.run("plugins", "-c", f.toString());
        assertThat(listed.code()).as(listed.toString()).isZero();
        assertThat(listed.stdout()).contains(archs.resolve("").toString(), allocators.toString());
        assertSameMachine(f, "proc buddyinfo", "config/machines/x86_64.conf");
    }
}
