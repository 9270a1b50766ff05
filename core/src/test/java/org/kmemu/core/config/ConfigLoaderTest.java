package org.kmemu.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.RegionType;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private static final Config PLUGIN_REF = ConfigFactory.parseString(
            "kmemu.arch.toy { pae = false, vmsplit = 3G, base = \"0xc0000000\" }", 
            com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("reference.conf of plugin toy"));

    private ResolvedConfig load(String hocon, Map<String, String> overrides) throws IOException {
        Path f = dir.resolve("m.conf");
        Files.writeString(f, hocon);
        return ConfigLoader.user(f, overrides).resolve(List.of(PLUGIN_REF));
    }

    @Test
    void layersUserOverPluginOverCoreDefaults() throws IOException {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kmemu.cpus", "4");
        ResolvedConfig c = load("kmemu.machine.arch = toy\nkmemu.arch.toy.pae = true\nkmemu.cpus = 3\n", d);
        assertThat(c.view("kmemu.arch.toy").getBoolean("pae")).isTrue();
        assertThat(c.view("kmemu.arch.toy").getString("vmsplit")).isEqualTo("3G");
        assertThat(c.view("kmemu").getInt("cpus")).isEqualTo(4);
        assertThat(c.view("kmemu").getBytes("memory.size")).isEqualTo(4L << 30);
    }

    @Test
    void unknownKeyNamesFileLineAndSiblings() {
        assertThatThrownBy(() -> load("kmemu {\n  memory {\n    sise = 1G\n  }\n}\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.conf:3: kmemu.memory.sise: unknown key (expected one of: map, poison, size)");
    }

    @Test
    void unknownPluginNamespaceSaysNoPluginProvidesIt() {
        assertThatThrownBy(() -> load("kmemu.arch.riscv.levels = 3\n", Map.of()))
                .hasMessageContaining("m.conf:1: kmemu.arch.riscv.levels: unknown key")
                .hasMessageContaining("no loaded plugin provides kmemu.arch.riscv");
    }

    @Test
    void overrideOfUnknownKeyNamesTheCommandLine() {
        assertThatThrownBy(() -> load("", Map.of("kmemu.cpuz", "2")))
                .hasMessageStartingWith("command line (-D kmemu.cpuz): kmemu.cpuz: unknown key")
                .hasMessageContaining("unknown key");
    }

    @Test
    void typeErrorsCarryOriginAndExpectation() throws IOException {
        ConfigView k = load("kmemu.cpus = many\n", Map.of()).view("kmemu");
        assertThatThrownBy(() -> k.getInt("cpus")).hasMessageEndingWith("/m.conf:1: kmemu.cpus: \"many\" (expected: an integer)");
        assertThatThrownBy(() -> load("kmemu.cpus = many\nkmemu.memory.size = huge\n", Map.of()))
                .hasMessageEndingWith("/m.conf:2: kmemu.memory.size: \"huge\" (expected: a memory size such as 4G, 896M or 4096)");
    }

    @Test
    void hoconMemoryUnitsAreReadAsHoconDefinesThem() throws IOException {
        ConfigView k = load("kmemu.memory.size = 4kB\n", Map.of()).view("kmemu");
        assertThat(k.getBytes("memory.size")).isEqualTo(4000);
        ConfigView binary = load("kmemu.memory.size = 896M\n", Map.of()).view("kmemu");
        assertThat(binary.getBytes("memory.size")).isEqualTo(896L << 20);
    }

    @Test
    void addressesAcceptHexStringsAndEnumsAreCaseInsensitive() throws IOException {
        ConfigView toy = load("", Map.of()).view("kmemu.arch.toy");
        assertThat(toy.getAddress("base")).isEqualTo(0xc0000000L);
        ResolvedConfig c = load("kmemu.memory.map = [ { start = \"0x100000\", size = 1G, type = USABLE } ]\n", Map.of());
        MachineConfig mc = MachineConfig.parse(c);
        assertThat(mc.memory().regions()).singleElement().satisfies(r -> {
            assertThat(r.start()).isEqualTo(0x100000);
            assertThat(r.type()).isEqualTo(RegionType.USABLE);
            assertThat(r.origin()).endsWith("m.conf:1");
        });
    }

    @Test
    void badRegionTypeListsTheTypes() throws IOException {
        ResolvedConfig c = load("kmemu.memory.map = [\n { start = 0, size = 1G, type = ram }\n]\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(c))
                .hasMessageContaining("m.conf:2")
                .hasMessageContaining("\"ram\" (expected one of: usable, reserved, acpi, device)");
    }

    @Test
    void mapEntriesAcceptHexSizesAndErrorsNameTheEntry() throws IOException {
        ResolvedConfig c = load("kmemu.memory.map = [\n { start = 0x0, size = 0x0009fc00, type = usable }\n"
                + " { start = 0x100000, size = 0x1zz, type = usable }\n]\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(c))
                .hasMessageEndingWith("/m.conf:3: kmemu.memory.map[1].size: \"0x1zz\" (expected: a memory size such as 4G, 896M, 4096 or 0x1000)");
        ResolvedConfig ok = load("kmemu.memory.map = [ { start = 0x0, size = 0x0009fc00, type = usable } ]\n", Map.of());
        assertThat(MachineConfig.parse(ok).memory().regions().get(0).size()).isEqualTo(0x9fc00);
    }

    @Test
    void cpusAreBounded() throws IOException {
        ResolvedConfig c = load("kmemu.cpus = 0\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(c)).hasMessageEndingWith("/m.conf:1: kmemu.cpus: 0 (expected: 1 to 8192)");
    }

    @Test
    void clockCostsAreDurationsCheckedWithFileAndLine() throws IOException {
        MachineConfig.ClockSpec defaults = MachineConfig.parse(load("kmemu.cpus = 1\n", Map.of())).clock();
        assertThat(defaults).isEqualTo(new MachineConfig.ClockSpec(1, 30, 150, 100, 40, 30));
        ResolvedConfig us = load("kmemu.clock {\n  page-alloc = 2us\n  access = 0\n}\n", Map.of());
        assertThat(MachineConfig.parse(us).clock().pageAllocNanos()).isEqualTo(2000);
        assertThat(MachineConfig.parse(us).clock().accessNanos()).isZero();
        ResolvedConfig negative = load("kmemu.clock {\n  tlb-miss = -5ns\n}\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(negative))
                .hasMessageEndingWith("/m.conf:2: kmemu.clock.tlb-miss: -5ns (expected: a duration from 0ns to 1s)");
        ResolvedConfig word = load("kmemu.clock.slab-free = fast\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(word))
                .hasMessageEndingWith("/m.conf:1: kmemu.clock.slab-free: \"fast\" (expected: a duration such as 40ns)");
        ResolvedConfig tooLong = load("kmemu.clock.slab-alloc = 2s\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(tooLong)).hasMessageContaining("kmemu.clock.slab-alloc: 2000000000ns");
    }

    @Test
    void uaccessCopyPathIsDirectOrGupKmapCheckedWithFileAndLine() throws IOException {
        assertThat(MachineConfig.parse(load("kmemu.cpus = 1\n", Map.of())).copyPath())
                .isEqualTo(MachineConfig.UaccessCopyPath.DIRECT);
        assertThat(MachineConfig.parse(load("kmemu.uaccess.copy-path = gup-kmap\n", Map.of())).copyPath())
                .isEqualTo(MachineConfig.UaccessCopyPath.GUP_KMAP);
        ResolvedConfig bad = load("kmemu.cpus = 1\nkmemu.uaccess.copy-path = 4g4g\n", Map.of());
        assertThatThrownBy(() -> MachineConfig.parse(bad))
                .hasMessageEndingWith("/m.conf:2: kmemu.uaccess.copy-path: 4g4g (expected: direct or gup-kmap)");
    }

    @Test
    void withNoPluginOfAKindLoadedItsKeysSaySo() throws IOException {
        Path f = dir.resolve("m.conf");
        Files.writeString(f, "kmemu.arch.i386.pae = true\n");
        assertThatThrownBy(() -> ConfigLoader.user(f, Map.of()).resolve(List.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("m.conf:1: kmemu.arch.i386.pae: unknown key (no loaded plugin provides kmemu.arch.i386:"
                        + " no architecture plugin is loaded; check --plugins or kmemu.plugins.dir)");
    }

    @Test
    void syntaxErrorsNameTheLine() {
        assertThatThrownBy(() -> load("kmemu {\n  cpus = \n}\n", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("m.conf:3: expected a value here, found '}'");
        assertThatThrownBy(() -> load("kmemu {\n  cpus = \n", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("m.conf:1: the '{' opened here is not closed (expected '}' before the end of the file at line 3)");
    }

    @Test
    void missingFileIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.user(dir.resolve("none.conf"), Map.of()))
                .hasMessageEndingWith("none.conf: no such config file");
    }

    private static final String MAP = "kmemu.memory.map = [ { start = 0x100000, size = 1G, type = usable } ]\n";

    @Test
    void sizeOverAMachineWithAMapIsNotUsedAndSaysWhereTheMapIs() {
        assertThatThrownBy(() -> load(MAP, Map.of("kmemu.memory.size", "2G")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("command line (-D kmemu.memory.size)")
                .hasMessageContaining("kmemu.memory.size: not used: this machine's memory is given by kmemu.memory.map at ")
                .hasMessageContaining("/m.conf:1")
                .hasMessageContaining("set kmemu.memory.map = []");
    }

    @Test
    void sizeAndMapInTheSameFileIsAnError() {
        assertThatThrownBy(() -> load("kmemu.memory.size = 2G\n" + MAP, Map.of()))
                .hasMessageEndingWith("/m.conf:1: kmemu.memory.size: not used: this machine's memory is given by kmemu.memory.map at "
                        + dir.resolve("m.conf") + ":2 (set kmemu.memory.map = [] to have the architecture lay out kmemu.memory.size instead)");
    }

    @Test
    void sizeOfTheWrongTypeIsAnErrorEvenWhereTheMapWouldWin() {
        assertThatThrownBy(() -> load(MAP, Map.of("kmemu.memory.size", "lots")))
                .hasMessage("command line (-D kmemu.memory.size): kmemu.memory.size: \"lots\""
                        + " (expected: a memory size such as 4G, 896M or 4096)");
    }

    @Test
    void mapOnTheCommandLineReplacesTheFilesSizeAndAnEmptyMapLetsTheSizeCount() throws IOException {
        MachineConfig mapped = MachineConfig.parse(load("kmemu.memory.size = 2G\n",
                Map.of("kmemu.memory.map", "[ { start = 0, size = 1G, type = usable } ]")));
        assertThat(mapped.memory().regions()).hasSize(1);
        Map<String, String> d = new LinkedHashMap<>();
        d.put("kmemu.memory.map", "[]");
        d.put("kmemu.memory.size", "2G");
        MachineConfig sized = MachineConfig.parse(load(MAP, d));
        assertThat(sized.memory().regions()).isEmpty();
        assertThat(sized.memory().sizeBytes()).isEqualTo(2L << 30);
    }

    @Test
    void misspeltRootInAFileSuggestsKmemu() {
        assertThatThrownBy(() -> load("kmmeu {\n  memory.size = 64G\n}\n", Map.of()))
                .hasMessageEndingWith("/m.conf:1: kmmeu.memory.size: unknown key (expected one of: kmemu); did you mean kmemu?");
    }

    @Test
    void unrelatedTopLevelKeyIsAnErrorWithoutASuggestion() {
        assertThatThrownBy(() -> load("kmemu.cpus = 2\nfoo = 1\n", Map.of()))
                .hasMessageEndingWith("/m.conf:2: foo: unknown key (expected one of: kmemu)");
    }

    @Test
    void misspeltRootOnTheCommandLineSuggestsKmemu() {
        assertThatThrownBy(() -> load("", Map.of("kmmeu.memory.size", "64G")))
                .hasMessage("command line (-D kmmeu.memory.size): kmmeu.memory.size: unknown key (expected one of: kmemu);"
                        + " did you mean kmemu?");
    }

    @Test
    void nestedMisspellingsAreSuggestedToo() {
        assertThatThrownBy(() -> load("kmemu.memroy.size = 1G\n", Map.of()))
                .hasMessageContaining("kmemu.memroy.size: unknown key (expected one of: ")
                .hasMessageEndingWith("; did you mean memory?");
    }

    @Test
    void editDistanceCountsSwapsAsOneEdit() {
        assertThat(ConfigLoader.editDistance("kmmeu", "kmemu")).isEqualTo(1);
        assertThat(ConfigLoader.editDistance("kmemu", "kmemu")).isZero();
        assertThat(ConfigLoader.editDistance("foo", "kmemu")).isEqualTo(5);
        assertThat(ConfigLoader.editDistance("", "abc")).isEqualTo(3);
        assertThat(ConfigLoader.nearest("kmem", List.of("kmemu"))).isEqualTo("kmemu");
        assertThat(ConfigLoader.nearest("foo", List.of("kmemu"))).isNull();
        assertThat(ConfigLoader.nearest("x", List.of("y"))).isNull();
    }

    @Test
    void aFilesMapReplacesTheSizeOfTheMachineFileItIncludesButItsSizeDoesNotReplaceTheMap() throws IOException {
        Files.writeString(dir.resolve("sized.conf"), "kmemu.memory.size = 2G\n");
        MachineConfig mapped = MachineConfig.parse(load("include \"sized.conf\"\n" + MAP, Map.of()));
        assertThat(mapped.memory().regions()).hasSize(1);
        Files.writeString(dir.resolve("mapped.conf"), MAP);
        assertThatThrownBy(() -> load("include \"mapped.conf\"\nkmemu.memory.size = 2G\n", Map.of()))
                .hasMessageEndingWith("/m.conf:2: kmemu.memory.size: not used: this machine's memory is given by kmemu.memory.map at "
                        + dir.resolve("mapped.conf") + ":1 (set kmemu.memory.map = [] to have the architecture lay out kmemu.memory.size instead)");
    }

    @Test
    void settingsOfAnArchitectureTheMachineDoesNotSelectAreNotUsed() {
        assertThatThrownBy(() -> load("kmemu.arch.toy.pae = true\n", Map.of()))
                .hasMessageEndingWith("/m.conf:1: kmemu.arch.toy.pae: not used: this machine's architecture is x86_64"
                        + " (kmemu.machine.arch at kmemu-core reference.conf:7)");
        assertThatThrownBy(() -> load("kmemu.machine.arch = i386\n", Map.of("kmemu.arch.toy.pae", "true")))
                .hasMessage("command line (-D kmemu.arch.toy.pae): kmemu.arch.toy.pae: not used: this machine's architecture is i386"
                        + " (kmemu.machine.arch at " + dir.resolve("m.conf") + ":1)");
    }

    @Test
    void switchingTheArchitectureOnTheCommandLineLeavesTheFilesArchitectureSettingsBehind() throws IOException {
        Map<String, String> d = Map.of("kmemu.machine.arch", "x86_64");
        assertThat(load("kmemu.machine.arch = toy\nkmemu.arch.toy.pae = true\n", d).view("kmemu").getString("machine.arch"))
                .isEqualTo("x86_64");
        assertThat(load("kmemu.machine.arch = toy\nkmemu.arch.toy.pae = true\n", Map.of()).view("kmemu.arch.toy").getBoolean("pae"))
                .isTrue();
    }
}
