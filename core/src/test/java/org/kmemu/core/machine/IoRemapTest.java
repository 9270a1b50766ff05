package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.IoAccessors;
import org.kmemu.core.kernel.IoRemap;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.kernel.VmapArea;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.proc.VmallocInfo;
import org.kmemu.core.testing.BigEndianTestArch;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * ioremap and the MMIO accessors on the core's stand-in machines (x86_64, i386, the e500-like one, and that one
 * made big-endian with PowerPC's ioremap rules): the area and its rounding, the PTE cache bits per variant,
 * /proc/vmallocinfo's ioremap line, RAM refused with the kernel's text, each accessor's byte order as the
 * device sees it, the _rep forms hitting one register, the bulk copies, iounmap's misuse reports and that
 * nothing leaks.
 */
class IoRemapTest {
    private static final long RAM = 64L << 20;
    private static final long BASE = 0xfed00000L;

    private static ArchSpec arch(String name) {
        return switch (name) {
            case "x86_64" -> new X86_64TestArch();
            case "i386" -> new I386TestArch();
            case "e500-like" -> new I386TestArch(true);
            case "big-endian" -> new BigEndianTestArch();
            default -> throw new IllegalArgumentException(name);
        };
    }

    private final RegisterFile dev = new RegisterFile(ByteOrder.LITTLE_ENDIAN);

    private Machine boot(String name) {
        ArchSpec arch = arch(name);
        return Boot.boot(TestMachines.config(arch.id(), RAM, 2), arch, new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig(),
                List.of(new DevicePlacement.Placed("regs", BASE, dev, "m.conf:7", "kmemu.devices[0]")));
    }

    private static String log(Machine m) {
        return String.join("\n", m.log().lines().stream().map(KernelLogBuffer.Line::text).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "big-endian"})
    void anIoremapAreaKeepsTheOffsetAndShowsInVmallocinfo(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        Vmalloc vm = m.kernel().vmalloc();
        long va = io.ioremap(cpu, BASE + 0x10, 0x20, "drv_probe+0x1c/0x80");
        assertThat(va).isNotZero();
        assertThat(va & 0xfff).as("the offset within the page is kept").isEqualTo(0x10);
        assertThat(vm.isVmallocAddr(va)).isTrue();
        VmapArea area = vm.findVmArea(va);
        assertThat(area.flags()).isEqualTo(Vmalloc.VM_IOREMAP);
        assertThat(area.physAddr()).isEqualTo(BASE);
        assertThat(area.size()).as("one page and the guard page").isEqualTo(2 * 4096);
        assertThat(area.nrPages()).as("an ioremap area owns no pages").isZero();
        // a range that crosses a page boundary takes both pages
        long two = io.ioremap(cpu, BASE + 0xff8, 0x10, null);
        assertThat(vm.findVmArea(two).size()).isEqualTo(3 * 4096);
        assertThat(two & 0xfff).isEqualTo(0xff8);

        int digits = vm.pointerBytes() * 2;
        int physDigits = vm.physAddrBytes() * 2;
        String expected = String.format("0x%0" + digits + "x-0x%0" + digits + "x %7d drv_probe+0x1c/0x80 phys=0x%0" + physDigits + "x ioremap",
                va - 0x10, va - 0x10 + 2 * 4096, 2 * 4096, BASE);
        assertThat(VmallocInfo.render(vm)).contains(expected + "\n");
        assertThat(VmallocInfo.render(vm)).containsPattern(" 12288 phys=0x0*fed00000 ioremap\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void eachVariantHasTheX86CacheBitsOfLinuxsPat(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        int cache = PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH;
        assertThat(flags(m, io.ioremap(cpu, BASE, 8, null)) & cache).as("UC-: PCD").isEqualTo(PteFlags.NO_CACHE);
        assertThat(flags(m, io.ioremapNocache(cpu, BASE, 8, null)) & cache).as("the old name").isEqualTo(PteFlags.NO_CACHE);
        assertThat(flags(m, io.ioremapUc(cpu, BASE, 8, null)) & cache).as("UC: PCD|PWT").isEqualTo(cache);
        assertThat(flags(m, io.ioremapWc(cpu, BASE, 8, null)) & cache).as("WC: PAT index 1, PWT").isEqualTo(PteFlags.WRITE_THROUGH);
        assertThat(flags(m, io.ioremapCache(cpu, BASE, 8, null)) & cache).as("WB: none").isZero();
        int vmallocExec = flags(m, m.kernel().vmalloc().vmalloc(cpu, 4096, null)) & PteFlags.EXEC;
        assertThat(flags(m, io.ioremapProt(cpu, BASE, 8, PteFlags.WRITE | PteFlags.NO_CACHE | PteFlags.USER | PteFlags.EXEC, null)))
                .as("ioremap_prot: the cache bits and W, never USER, EXEC only where no NX bit exists").matches(f -> (f & PteFlags.NO_CACHE) != 0
                        && (f & PteFlags.WRITE) != 0 && (f & PteFlags.USER) == 0 && (f & PteFlags.EXEC) == vmallocExec);
        int kernel = flags(m, io.ioremap(cpu, BASE, 8, null));
        assertThat(kernel & (PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL)).isEqualTo(PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL);
        assertThat(kernel & PteFlags.USER).isZero();
    }

    private static int flags(Machine m, long va) {
        assertThat(va).isNotZero();
        return m.mmu().walk(m.mmu().kernelTables().root(), va).flags();
    }

    @Test
    void powerPcAsksForIAndGAndForIAloneWhenWriteCombining() {
        ArchSpec ppc = new BigEndianTestArch();
        assertThat(ppc.ioremapPteFlags(org.kmemu.api.PageCacheMode.UC_MINUS)).isEqualTo(PteFlags.NO_CACHE | PteFlags.GUARDED);
        assertThat(ppc.ioremapPteFlags(org.kmemu.api.PageCacheMode.WC)).isEqualTo(PteFlags.NO_CACHE);
        assertThat(ppc.ioremapPteFlags(org.kmemu.api.PageCacheMode.WB)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void ramIsRefusedWithX86sWarnOnce(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        long page = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        long phys = page << 12;
        assertThat(io.ioremap(cpu, phys + 0x10, 0x100, "drv_probe+0x1c/0x80")).isZero();
        int digits = m.arch().physAddressBits() > 32 ? 16 : 8;
        String text = String.format("drv_probe+0x1c/0x80: ioremap on RAM at 0x%0" + digits + "x - 0x%0" + digits + "x", phys + 0x10, phys + 0x10f);
        assertThat(log(m)).contains("------------[ cut here ]------------\n" + text + "\nWARNING: CPU: 0 PID: 0 at arch/x86/mm/ioremap.c __ioremap_caller");
        int lines = m.log().lines().size();
        assertThat(io.ioremapWc(cpu, phys, 4096, null)).isZero();
        assertThat(m.log().lines()).as("WARN_ONCE").hasSize(lines);
        assertThat(m.kernel().vmalloc().busyAreas()).noneMatch(a -> (a.flags() & Vmalloc.VM_IOREMAP) != 0);
    }

    @Test
    void ppc32RefusesLowmemRamWithItsWarning() {
        Machine m = boot("big-endian");
        Cpu cpu = m.mmu().cpu(0);
        long phys = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0) << 12;
        assertThat(m.kernel().ioremap().ioremap(cpu, phys + 8, 16, "drv_probe+0x1c/0x80")).isZero();
        assertThat(log(m)).contains(String.format("__ioremap_caller(): phys addr 0x%x is RAM lr drv_probe+0x1c/0x80", phys));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386"})
    void x86sFirstMegabyteIsReachedAsLinuxReachesIt(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        // RAM below 1 MiB is PageReserved (x86 reserves the first megabyte at boot): __ioremap_check_ram lets
        // it be mapped, and the mapping sees what the direct map sees
        long pfn = 1;
        while (!m.memory().isRam(pfn << 12)) {
            pfn++;
        }
        assertThat(pfn).isLessThan(0xa0);
        assertThat(m.pageFrames().isReserved(pfn)).isTrue();
        long bios = io.ioremap(cpu, (pfn << 12) + 0x400, 0x100, null);
        assertThat(bios).isNotZero();
        long direct = m.layout().pageOffset() + (pfn << 12) + 0x400;
        cpu.store32(direct, 0x1234abcd);
        assertThat(cpu.load32(bios)).isEqualTo(0x1234abcd);
        // the legacy VGA window is no System RAM: ioremap gives a plain VM_IOREMAP area over it (the ISA special
        // case is gone from __ioremap_caller), and the direct map, which init_mem_mapping always makes over the
        // first megabyte, reaches the same bytes (vga16fb's phys_to_virt)
        assertThat(m.memory().isRam(0xb8000)).isFalse();
        long vga = io.ioremap(cpu, 0xb8000, 0x8000, null);
        assertThat(vga).isNotZero();
        assertThat(m.kernel().vmalloc().findVmArea(vga).physAddr()).isEqualTo(0xb8000);
        m.kernel().io().iowrite16(cpu, 0x0741, vga + 2); // 'A', light grey on black
        assertThat(cpu.load16(m.layout().pageOffset() + 0xb8002)).isEqualTo((short) 0x0741);
        // iounmap of the direct map's alias is not an ioremap address: WARN_ON_ONCE, nothing changes
        io.iounmap(cpu, m.layout().pageOffset() + 0xb8000);
        assertThat(log(m)).contains("WARNING: CPU: 0 PID: 0 at arch/x86/mm/ioremap.c iounmap");
        assertThat(m.kernel().vmalloc().findVmArea(vga)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "big-endian"})
    void theAccessorsPutTheirBytesOnTheBusInTheirOrder(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoAccessors io = m.kernel().io();
        long va = m.kernel().ioremap().ioremap(cpu, BASE, 0x1000, null);
        boolean big = m.memory().byteOrder() == ByteOrder.BIG_ENDIAN;

        // the little-endian device sees the value itself: the bytes on the bus are 44 33 22 11
        io.iowrite32(cpu, 0x11223344, va);
        assertThat(dev.regs[0] & 0xffffffffL).isEqualTo(0x11223344L);
        assertThat(io.ioread32(cpu, va)).isEqualTo(0x11223344);
        assertThat(io.readl(cpu, va)).isEqualTo(0x11223344);
        assertThat(io.ioread8(cpu, va)).as("the first byte on the bus").isEqualTo(0x44);
        // a plain load (the C dereference) is the CPU's order: swapped on a big-endian CPU
        assertThat(cpu.load32(va)).isEqualTo(big ? 0x44332211 : 0x11223344);
        assertThat(io.rawReadl(cpu, va)).isEqualTo(big ? 0x44332211 : 0x11223344);

        io.iowrite32be(cpu, 0x11223344, va + 8);
        assertThat(dev.regs[1] & 0xffffffffL).as("big-endian on the bus").isEqualTo(0x44332211L);
        assertThat(io.ioread32be(cpu, va + 8)).isEqualTo(0x11223344);
        assertThat(io.ioread32(cpu, va + 8)).isEqualTo(0x44332211);

        io.rawWritel(cpu, 0x11223344, va + 16);
        assertThat(dev.regs[2] & 0xffffffffL).as("__raw_writel: the CPU's order").isEqualTo(big ? 0x44332211L : 0x11223344L);

        io.iowrite16(cpu, 0xbeef, va + 24);
        assertThat(dev.regs[3] & 0xffff).isEqualTo(0xbeef);
        assertThat(io.ioread16(cpu, va + 24)).isEqualTo(0xbeef);
        assertThat(io.readw(cpu, va + 24)).isEqualTo(0xbeef);
        io.iowrite16be(cpu, 0xbeef, va + 26);
        assertThat((dev.regs[3] >>> 16) & 0xffff).isEqualTo(0xefbe);
        assertThat(io.ioread16be(cpu, va + 26)).isEqualTo(0xbeef);
        io.rawWritew(cpu, 0xbeef, va + 28);
        assertThat((dev.regs[3] >>> 32) & 0xffff).isEqualTo(big ? 0xefbe : 0xbeef);
        assertThat(io.rawReadw(cpu, va + 28)).isEqualTo(0xbeef);

        io.iowrite64(cpu, 0x0102030405060708L, va + 32);
        assertThat(dev.regs[4]).isEqualTo(0x0102030405060708L);
        assertThat(io.ioread64(cpu, va + 32)).isEqualTo(0x0102030405060708L);
        assertThat(io.readq(cpu, va + 32)).isEqualTo(0x0102030405060708L);
        io.writeq(cpu, 0x1111222233334444L, va + 32);
        assertThat(dev.regs[4]).isEqualTo(0x1111222233334444L);
        io.rawWriteq(cpu, 0x0102030405060708L, va + 40);
        assertThat(dev.regs[5]).isEqualTo(big ? 0x0807060504030201L : 0x0102030405060708L);
        assertThat(io.rawReadq(cpu, va + 40)).isEqualTo(0x0102030405060708L);

        io.writeb(cpu, 0x5a, va + 48);
        io.iowrite8(cpu, 0xa5, va + 49);
        io.rawWriteb(cpu, 0x3c, va + 50);
        assertThat(dev.regs[6] & 0xffffff).isEqualTo(0x3ca55aL);
        assertThat(io.readb(cpu, va + 48)).isEqualTo(0x5a);
        assertThat(io.rawReadb(cpu, va + 49)).isEqualTo(0xa5);
        io.writel(cpu, 0xcafef00d, va + 56);
        assertThat(dev.regs[7] & 0xffffffffL).isEqualTo(0xcafef00dL);
        io.writew(cpu, 0x1234, va + 56);
        assertThat(dev.regs[7] & 0xffffffffL).isEqualTo(0xcafe1234L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "big-endian"})
    void theRepFormsHitOneRegisterNTimes(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoAccessors io = m.kernel().io();
        long va = m.kernel().ioremap().ioremap(cpu, BASE, 0x1000, null);
        long buf = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, null);
        long reads = dev.reads;
        io.ioread32Rep(cpu, va + 0x40, buf, 5);
        assertThat(dev.reads - reads).isEqualTo(5);
        for (int i = 0; i < 5; i++) {
            // the register counts its reads; the data is moved unswapped, as a byte stream
            assertThat(io.ioread32(cpu, buf + 4L * i) == (int) (reads + i) || Integer.reverseBytes(cpu.load32(buf + 4L * i)) == (int) (reads + i)
                    || cpu.load32(buf + 4L * i) == (int) (reads + i)).isTrue();
            assertThat(io.rawReadl(cpu, buf + 4L * i)).isEqualTo(m.memory().byteOrder() == ByteOrder.BIG_ENDIAN
                    ? Integer.reverseBytes((int) (reads + i)) : (int) (reads + i));
        }
        reads = dev.reads;
        io.ioread16Rep(cpu, va + 0x40, buf, 3);
        io.ioread8Rep(cpu, va + 0x40, buf, 2);
        assertThat(dev.reads - reads).isEqualTo(5);

        long writes = dev.writes;
        for (int i = 0; i < 4; i++) {
            cpu.store8(buf + i, (byte) (0x10 + i));
        }
        io.iowrite8Rep(cpu, va + 8, buf, 4);
        assertThat(dev.writes - writes).isEqualTo(4);
        assertThat(dev.regs[1] & 0xff).as("the last byte written").isEqualTo(0x13);
        io.iowrite32Rep(cpu, va + 16, buf, 1);
        assertThat(dev.regs[2] & 0xffffffffL).as("the stream's bytes in order on the bus").isEqualTo(0x13121110L);
        io.iowrite16Rep(cpu, va + 24, buf, 2);
        assertThat(dev.writes - writes).isEqualTo(7);
        assertThat(dev.regs[3] & 0xffff).isEqualTo(0x1312);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "big-endian"})
    void bulkCopiesGoThroughTheMapping(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoAccessors io = m.kernel().io();
        long va = m.kernel().ioremap().ioremapWc(cpu, BASE, 0x1000, null);
        long buf = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, null);
        for (int i = 0; i < 16; i++) {
            cpu.store8(buf + i, (byte) (i + 1));
        }
        long writes = dev.writes;
        io.memcpyToio(cpu, va, buf, 16);
        assertThat(dev.writes - writes).as("byte accesses on the bus").isEqualTo(16);
        assertThat(dev.regs[0]).isEqualTo(0x0807060504030201L);
        assertThat(dev.regs[1]).isEqualTo(0x100f0e0d0c0b0a09L);
        io.memsetIo(cpu, va + 4, 0xee, 6);
        assertThat(dev.regs[0]).isEqualTo(0xeeeeeeee04030201L);
        assertThat(dev.regs[1] & 0xffff).isEqualTo(0xeeee);
        long out = buf + 32;
        io.memcpyFromio(cpu, out, va, 16);
        byte[] got = new byte[16];
        cpu.read(out, got, 0, 16);
        assertThat(got).containsExactly(1, 2, 3, 4, (byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee,
                (byte) 0xee, 11, 12, 13, 14, 15, 16);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "big-endian"})
    void iounmapLeavesNoAreaAndNoPageBehind(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        Vmalloc vm = m.kernel().vmalloc();
        // the first mapping may allocate kernel page tables, which the kernel never frees
        io.iounmap(cpu, io.ioremap(cpu, BASE, 0x1000, null));
        vm.purgeVmapAreaLazy(cpu);
        long free = m.nrFreePages();
        List<VmapArea> busy = vm.busyAreas();
        List<long[]> ranges = vm.freeRanges();
        for (int i = 0; i < 50; i++) {
            long a = io.ioremap(cpu, BASE + 4 * i, 0x800, null);
            long b = io.ioremapWc(cpu, BASE + 0x100, 0xf00, null);
            assertThat(a).isNotZero();
            assertThat(b).isNotZero();
            io.iounmap(cpu, b);
            io.iounmap(cpu, a);
        }
        assertThat(vm.busyAreas()).isEqualTo(busy);
        vm.purgeVmapAreaLazy(cpu);
        assertThat(vm.freeRanges()).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(ranges);
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(VmallocInfo.render(vm)).doesNotContain("ioremap");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void iounmapMisuseIsReportedAndChangesNothing(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        long va = io.ioremap(cpu, BASE, 0x3000, null);
        long nowhere = m.kernel().vmalloc().vmallocEnd() - 0x100000;
        io.iounmap(cpu, nowhere + 0x10);
        assertThat(log(m)).containsPattern("(?m)iounmap: bad address 0*" + Long.toHexString(nowhere) + "$");
        assertThat(m.kernel().vmalloc().findVmArea(va)).isNotNull();
        // any address inside the area finds it, as find_vm_area() does
        io.iounmap(cpu, va + 0x2010);
        assertThat(m.kernel().vmalloc().findVmArea(va)).isNull();
        assertThat(io.ioremap(cpu, BASE, 0, null)).as("zero size").isZero();
        assertThat(io.ioremap(cpu, -4096L, 8192, null)).as("wraps").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "big-endian"})
    void anAccessorOnAnUnmappedAddressIsTheKernelsOops(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        long nowhere = m.kernel().vmalloc().vmallocEnd() - 64 * 4096L;
        assertThatThrownBy(() -> m.kernel().io().ioread32(cpu, nowhere)).isInstanceOf(RuntimeException.class)
                .satisfies(e -> assertThat(e.getClass().getName()).doesNotStartWith("java."));
    }
}
