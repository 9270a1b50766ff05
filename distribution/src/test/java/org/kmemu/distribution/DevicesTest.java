package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ConfigException;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * The shipped device plugin on the shipped machines, through the real plugin jars: a UART and a frame buffer
 * placed by {@code kmemu.devices}, reached by CPU loads and stores through the MMU (a page mapped at the top
 * of the vmalloc range, until ioremap exists), with their side effects and byte order; an empty hole is the
 * architecture's machine check; bad placements are config errors naming the file and line.
 */
class DevicesTest {
    private static final long UART = 0xfed00000L;
    private static final long FB = 0xfee00000L;
    private static final String DEVICES = "[{type = uart, base = 0xfed00000, input = \"ok\"}, {type = framebuffer, base = 0xfee00000, size = 64K}]";

    private static final Map<String, Map<String, String>> SMALL = Map.of(
            "x86_64", Map.of("kmemu.memory.size", "256M"),
            "i386-highmem", Map.of(),
            "booke-e500", Map.of("kmemu.memory.size", "256M"));

    private static Machine boot(String machine, String devices) {
        Map<String, String> o = new java.util.HashMap<>(SMALL.get(machine));
        o.put("kmemu.devices", devices);
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + machine + ".conf"), o, Launcher.DIST.resolve("plugins"));
    }

    private static long map(Machine m, Cpu cpu, long phys, int page) {
        long va = m.layout().vmallocEnd() - (16L + page) * 4096;
        assertThat(m.mmu().kernelTables().mapPage(cpu, va, phys, PteFlags.WRITE | PteFlags.NO_CACHE)).isTrue();
        cpu.localFlushTlbRange(va, va + 4096);
        return va;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void theUartsRegistersHaveTheirSideEffectsThroughTheMmu(String machine) {
        Machine m = boot(machine, DEVICES);
        Cpu cpu = m.mmu().cpu(0);
        long uart = map(m, cpu, UART, 0);
        // little-endian registers: a big-endian CPU (e500) sees them swapped through plain loads, as readl's
        // byte swap exists to undo
        boolean swap = m.memory().byteOrder() == java.nio.ByteOrder.BIG_ENDIAN;
        java.util.function.IntUnaryOperator reg = v -> swap ? Integer.reverseBytes(v) : v;
        assertThat(reg.applyAsInt(cpu.load32(uart + 4)) & 1).as("data ready").isEqualTo(1);
        assertThat(reg.applyAsInt(cpu.load32(uart))).isEqualTo('o');
        assertThat(reg.applyAsInt(cpu.load32(uart))).isEqualTo('k');
        assertThat(reg.applyAsInt(cpu.load32(uart + 4)) & 1).as("FIFO empty").isZero();
        cpu.store32(uart, reg.applyAsInt('!'));
        assertThat(reg.applyAsInt(cpu.load32(uart))).as("loopback").isEqualTo('!');
        assertThat(reg.applyAsInt(cpu.load32(uart + 0x40))).as("DATA reads, counted by the device").isEqualTo(3);
        assertThat(reg.applyAsInt(cpu.load32(uart + 0x44))).as("DATA writes").isEqualTo(1);
        assertThat(reg.applyAsInt(cpu.load32(uart + 0x48))).as("STATUS reads").isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void theFrameBufferIsPlainMemoryAndShowsInIomem(String machine) {
        Machine m = boot(machine, DEVICES);
        Cpu cpu = m.mmu().cpu(0);
        long fb = map(m, cpu, FB + 0x3000, 1);
        cpu.store64(fb + 8, 0x0102030405060708L);
        assertThat(cpu.load64(fb + 8)).isEqualTo(0x0102030405060708L);
        cpu.store8(fb + 0xfff, (byte) 0x7e);
        assertThat(cpu.load8(fb + 0xfff)).isEqualTo((byte) 0x7e);
        assertThat(m.memory().isRam(FB)).isFalse();
        assertThat(names(m.iomem())).contains("uart", "framebuffer");
    }

    private static java.util.List<String> names(org.kmemu.core.machine.Resource r) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (var c : r.children()) {
            out.add(c.name());
            out.addAll(names(c));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void anEmptyHoleIsTheArchitecturesMachineCheck(String machine) {
        Machine m = boot(machine, "[]");
        Cpu cpu = m.mmu().cpu(0);
        long va = map(m, cpu, UART, 0);
        assertThatThrownBy(() -> cpu.load32(va)).isInstanceOf(KernelOopsException.class)
                .satisfies(e -> assertThat(((KernelOopsException) e).report()).containsAnyOf(
                        "mce: [Hardware Error]: TSC 0 ADDR fed00000 ", "Caused by (from MCSR=10): Bus - Read Data Bus Error"));
        assertThatThrownBy(() -> cpu.store32(va, 1)).isInstanceOf(KernelOopsException.class)
                .satisfies(e -> assertThat(((KernelOopsException) e).report()).containsAnyOf(
                        "mce: [Hardware Error]: CPU 0: Machine Check Exception: 4 Bank 0: b60000000000082f",
                        "Caused by (from MCSR=8): Bus - Write Data Bus Error"));
        if (!machine.equals("booke-e500")) {
            String cpuid = machine.equals("x86_64") ? "506e3" : "686"; // Skylake-S; a P6 Pentium III
            assertThat(m.log().lines().stream().map(l -> l.text()))
                    .contains("mce: [Hardware Error]: PROCESSOR 0:" + cpuid + " TIME 0 SOCKET 0 APIC 0 microcode 0");
        }
        String expected = machine.equals("booke-e500") ? "Oops: Machine check, sig: 7 [#1]" : "Kernel panic - not syncing: Fatal machine check";
        assertThat(m.log().lines().stream().map(Object::toString)).anyMatch(l -> l.contains(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void driversClaimRegionsInsideTheDeviceWindowsAndProcIomemNestsThem(String machine) {
        Machine m = boot(machine, DEVICES);
        var io = m.ioRegions();
        assertThat(io.requestMemRegion(UART, 0x100, "serial")).isNotNull();
        assertThat(io.requestMemRegion(UART, 8, "serial2")).as("busy").isNull();
        assertThat(m.log().lines().stream().map(l -> l.text())).contains(
                "serial2: resource collision: [mem 0xfed00000-0xfed00007] conflicts with serial [mem 0xfed00000-0xfed000ff]");
        assertThat(io.requestMemRegion(FB, 0x10000, "fbdev")).isNotNull();
        String iomem = new org.kmemu.core.proc.ProcFs(m).read("iomem");
        // the PCs' maps hold the windows ("PCI Bus 0000:00" on x86_64, "Reserved" on i386-highmem): they nest there
        String indent = machine.equals("booke-e500") ? "" : "  ";
        assertThat(iomem).contains(indent + "fed00000-fed000ff : uart\n" + indent + "  fed00000-fed000ff : serial\n",
                indent + "fee00000-fee0ffff : framebuffer\n" + indent + "  fee00000-fee0ffff : fbdev\n");
        io.releaseMemRegion(UART, 0x100);
        assertThat(io.requestMemRegion(UART, 8, "serial2")).as("released").isNotNull();
    }

    @Test
    void badPlacementsAndUnknownTypesAreConfigErrorsWithFileAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("dev.conf");
        Files.writeString(f, "kmemu.memory.size = 256M\nkmemu.devices = [\n  { type = uart, base = 0x1000000 }\n]\n");
        assertThatThrownBy(() -> Kmemu.boot(f, Map.of(), Launcher.DIST.resolve("plugins"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":3: kmemu.devices[0]: uart at [mem 0x01000000-0x010000ff]: over System RAM");
        Files.writeString(f, "kmemu.devices = [\n  { type = uart, base = 0xfed00000 }\n  { type = framebuffer, base = 0xfed00000 }\n]\n");
        assertThatThrownBy(() -> Kmemu.boot(f, Map.of(), Launcher.DIST.resolve("plugins"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":3: kmemu.devices[1]: framebuffer at [mem 0xfed00000-0xfedfffff]: over uart at"
                        + " [mem 0xfed00000-0xfed000ff] (" + f + ":2)");
        Files.writeString(f, "kmemu.devices = [\n  { type = floppy, base = 0xfed00000 }\n]\n");
        assertThatThrownBy(() -> Kmemu.boot(f, Map.of(), Launcher.DIST.resolve("plugins"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":2:").hasMessageContaining("floppy").hasMessageContaining("uart");
        Files.writeString(f, "kmemu.devices = [\n  { type = uart, base = 0xfed00000, fifo-depth = 0 }\n]\n");
        assertThatThrownBy(() -> Kmemu.boot(f, Map.of(), Launcher.DIST.resolve("plugins"))).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":2:").hasMessageContaining("fifo-depth").hasMessageContaining("expected: 1 to 4096");
    }
}
