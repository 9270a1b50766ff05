package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * Devices on the physical bus of the core's stand-in machines: placement refused over RAM, over another
 * device and inside RAM's storage block; loads and stores through the MMU reach the device's registers with
 * their side effects; an address with nothing behind it is the architecture's bus error report.
 */
class DeviceBusTest {
    private static final long RAM = 64L << 20;
    private static final long BASE = 0xfed00000L;

    private static ArchSpec arch(String name) {
        return switch (name) {
            case "x86_64" -> new X86_64TestArch();
            case "i386" -> new I386TestArch();
            case "e500-like" -> new I386TestArch(true);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Machine boot(ArchSpec arch, List<DevicePlacement.Placed> devices) {
        return Boot.boot(TestMachines.config(arch.id(), RAM, 2), arch, new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig(), devices);
    }

    private static DevicePlacement.Placed placed(String name, long base, RegisterFile d) {
        return new DevicePlacement.Placed(name, base, d, "m.conf:7", "kmemu.devices[0]");
    }

    /** Maps one page at the top of the vmalloc range to {@code phys}, as ioremap will. */
    private static long map(Machine m, Cpu cpu, long phys) {
        long va = m.layout().vmallocEnd() - 16 * 4096L;
        assertThat(m.mmu().kernelTables().mapPage(cpu, va, phys, PteFlags.WRITE | PteFlags.NO_CACHE)).isTrue();
        cpu.localFlushTlbRange(va, va + 4096);
        return va;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void loadsAndStoresThroughTheMmuReachTheDeviceWithSideEffects(String name) {
        RegisterFile dev = new RegisterFile(ByteOrder.LITTLE_ENDIAN);
        Machine m = boot(arch(name), List.of(placed("regs", BASE, dev)));
        Cpu cpu = m.mmu().cpu(0);
        long va = map(m, cpu, BASE);
        cpu.store64(va + 8, 0x1122334455667788L);
        assertThat(dev.regs[1]).isEqualTo(0x1122334455667788L);
        assertThat(cpu.load64(va + 8)).isEqualTo(0x1122334455667788L);
        cpu.store32(va + 16, 0xcafef00d);
        assertThat(dev.lastWriteSize).isEqualTo(4);
        assertThat(cpu.load32(va + 16)).isEqualTo(0xcafef00d);
        // a read with a side effect: each read of 0x40 returns the reads before it
        long before = dev.reads;
        assertThat(cpu.load32(va + 0x40)).isEqualTo((int) before);
        assertThat(cpu.load32(va + 0x40)).isEqualTo((int) before + 1);
        cpu.store8(va + 24, (byte) 0x5a);
        assertThat(cpu.load8(va + 24)).isEqualTo((byte) 0x5a);
        // not RAM: no chunk was made for the device's block
        assertThat(m.memory().chunkIfAllocated(BASE)).isNull();
        assertThat(m.iomem().children()).anyMatch(r -> r.name().equals("regs") && r.start() == BASE && r.end() == BASE + 0xfff);
    }

    @Test
    void aBigEndianDeviceUnderALittleEndianCpuSeesStoresSwapped() {
        RegisterFile dev = new RegisterFile(ByteOrder.BIG_ENDIAN);
        Machine m = boot(new X86_64TestArch(), List.of(placed("be", BASE, dev)));
        Cpu cpu = m.mmu().cpu(0);
        long va = map(m, cpu, BASE);
        cpu.store32(va, 0x12345678);
        // the bytes on the bus are 78 56 34 12 (x86 order); the big-endian device reads them as 0x78563412
        assertThat(dev.read(0, 4)).isEqualTo(0x78563412L);
        assertThat(cpu.load32(va)).isEqualTo(0x12345678);
        assertThat(cpu.load8(va)).isEqualTo((byte) 0x78);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void anAccessToAnEmptyHoleIsTheArchitecturesBusErrorReport(String name) {
        Machine m = boot(arch(name), List.of());
        Cpu cpu = m.mmu().cpu(0);
        long va = map(m, cpu, BASE + 0x10000);
        assertThatThrownBy(() -> cpu.load32(va + 4)).isInstanceOf(KernelOopsException.class)
                .hasMessageContaining(String.format("%#x", BASE + 0x10004)).hasMessageContaining("read");
        assertThatThrownBy(() -> cpu.store8(va, (byte) 1)).isInstanceOf(KernelOopsException.class)
                .hasMessageContaining("write");
        assertThat(m.log().lines().stream().map(Object::toString).toList()).anyMatch(l -> l.contains("bus error"));
        // RAM still works
        assertThat(m.memory().isRam(0x200000)).isTrue();
    }

    @Test
    void aDeviceOverRamIsAConfigErrorNamingTheEntry() {
        assertThatThrownBy(() -> boot(new X86_64TestArch(), List.of(placed("regs", 0x1000000, new RegisterFile(ByteOrder.LITTLE_ENDIAN)))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("m.conf:7: kmemu.devices[0]: regs at [mem 0x01000000-0x01000fff]: over System RAM")
                .hasMessageContaining("expected: a hole or a reserved range");
    }

    @Test
    void aDeviceOverAnotherIsAConfigErrorNamingBoth() {
        var a = new DevicePlacement.Placed("a", BASE, new RegisterFile(ByteOrder.LITTLE_ENDIAN), "m.conf:7", "kmemu.devices[0]");
        var b = new DevicePlacement.Placed("b", BASE + 0x800, new RegisterFile(ByteOrder.LITTLE_ENDIAN), "m.conf:8", "kmemu.devices[1]");
        assertThatThrownBy(() -> boot(new X86_64TestArch(), List.of(a, b))).isInstanceOf(ConfigException.class)
                .hasMessage("m.conf:8: kmemu.devices[1]: b at [mem 0xfed00800-0xfed017ff]: over a at [mem 0xfed00000-0xfed00fff]"
                        + " (m.conf:7) (expected: devices that do not overlap)");
    }

    @Test
    void aDeviceInRamsStorageBlockIsRefused() {
        // 63 MiB: RAM ends in the middle of a 2 MiB block, so a device right above it would share the block
        long ram = RAM - (1L << 20);
        ArchSpec arch = new X86_64TestArch();
        List<org.kmemu.api.MemoryRegion> usable = Boot.boot(TestMachines.config(arch.id(), ram, 2), arch, new FirstFitPolicy(),
                TestMachines.allocatorConfig(), new SimpleSlabPolicy(), TestMachines.slabConfig()).memoryMap().usable();
        long base = usable.get(usable.size() - 1).end();
        assertThat(base & ((2L << 20) - 1)).isNotZero();
        assertThatThrownBy(() -> Boot.boot(TestMachines.config(arch.id(), ram, 2), arch, new FirstFitPolicy(),
                TestMachines.allocatorConfig(), new SimpleSlabPolicy(), TestMachines.slabConfig(),
                List.of(placed("regs", base, new RegisterFile(ByteOrder.LITTLE_ENDIAN)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("within the same 2 MiB block as RAM");
    }
}
