package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.IoAccessors;
import org.kmemu.core.kernel.IoRemap;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FollFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.proc.VmallocInfo;
import org.kmemu.core.sched.Task;

/**
 * ioremap, the MMIO accessors and the DMA engine on the shipped machines through the real plugin jars: the
 * arch's own PTE cache bits per variant (x86 PAT bits, e500 I and G), RAM refused with the arch's text, the
 * uart and frame buffer reached with each accessor's byte order (e500 swaps), the _rep forms counted by the
 * uart, the bulk copies on the frame buffer, /proc/vmallocinfo's ioremap lines, and the DMA engine copying
 * into a page given by __pa and into a user page pinned with pin_user_pages, with a master abort on a hole.
 */
class IoRemapDevicesTest {
    private static final long UART = 0xfed00000L;
    private static final long FB = 0xfee00000L;
    private static final long DMA = 0xfef00000L;
    private static final String DEVICES = "[{type = uart, base = 0xfed00000}, {type = framebuffer, base = 0xfee00000, size = 64K},"
            + " {type = dma, base = 0xfef00000}]";
    private static final Map<String, Map<String, String>> SMALL = Map.of(
            "x86_64", Map.of("kmemu.memory.size", "256M"),
            "i386-highmem", Map.of(),
            "booke-e500", Map.of("kmemu.memory.size", "256M"));

    private static Machine boot(String machine) {
        Map<String, String> o = new HashMap<>(SMALL.get(machine));
        o.put("kmemu.devices", DEVICES);
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + machine + ".conf"), o, Launcher.DIST.resolve("plugins"));
    }

    private static List<String> log(Machine m) {
        return m.log().lines().stream().map(KernelLogBuffer.Line::text).toList();
    }

    private static int flags(Machine m, long va) {
        assertThat(va).isNotZero();
        return m.mmu().walk(m.mmu().kernelTables().root(), va).flags();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void eachVariantCarriesTheArchsCacheBits(String machine) {
        Machine m = boot(machine);
        Cpu cpu = m.mmu().cpu(0);
        IoRemap io = m.kernel().ioremap();
        int cache = PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH | PteFlags.GUARDED;
        int uc = flags(m, io.ioremap(cpu, UART, 0x100, null)) & cache;
        int uc2 = flags(m, io.ioremapUc(cpu, UART, 0x100, null)) & cache;
        int wc = flags(m, io.ioremapWc(cpu, FB, 0x10000, null)) & cache;
        int wb = flags(m, io.ioremapCache(cpu, FB, 0x10000, null)) & cache;
        if (machine.equals("booke-e500")) {
            assertThat(uc).as("pgprot_noncached: I|G").isEqualTo(PteFlags.NO_CACHE | PteFlags.GUARDED);
            assertThat(uc2).isEqualTo(PteFlags.NO_CACHE | PteFlags.GUARDED);
            assertThat(wc).as("pgprot_noncached_wc: I").isEqualTo(PteFlags.NO_CACHE);
        } else {
            assertThat(uc).as("UC-: PCD").isEqualTo(PteFlags.NO_CACHE);
            assertThat(uc2).as("UC: PCD|PWT").isEqualTo(PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH);
            assertThat(wc).as("WC: PAT index 1 = PWT").isEqualTo(PteFlags.WRITE_THROUGH);
        }
        assertThat(wb).isZero();
        assertThat(m.arch().hasIoPortSpace()).as("in/out ports on x86 only").isEqualTo(!machine.equals("booke-e500"));
        String info = VmallocInfo.render(m.kernel().vmalloc());
        String phys = m.arch().physAddressBits() > 32 ? "0x00000000fed00000" : "0xfed00000";
        assertThat(info).containsPattern(" 8192 phys=" + phys + " ioremap\n");
        assertThat(info).containsPattern(" 69632 phys=" + phys.replace("fed", "fee") + " ioremap\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void ramIsRefusedWithTheArchsText(String machine) {
        Machine m = boot(machine);
        Cpu cpu = m.mmu().cpu(0);
        long phys = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0) << m.pageShift();
        assertThat(m.kernel().ioremap().ioremap(cpu, phys, 64, "mydrv_probe+0x20/0x90")).isZero();
        if (machine.equals("booke-e500")) {
            assertThat(log(m)).contains(String.format("__ioremap_caller(): phys addr 0x%x is RAM lr mydrv_probe+0x20/0x90", phys));
        } else {
            String f = m.arch().physAddressBits() > 32 ? "0x%016x" : "0x%08x";
            assertThat(log(m)).contains(String.format("mydrv_probe+0x20/0x90: ioremap on RAM at " + f + " - " + f, phys, phys + 63));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void theAccessorsReachTheUartAndFrameBufferInBusOrder(String machine) {
        Machine m = boot(machine);
        Cpu cpu = m.mmu().cpu(0);
        IoAccessors io = m.kernel().io();
        long uart = m.kernel().ioremap().ioremap(cpu, UART, 0x100, null);
        long fb = m.kernel().ioremap().ioremapWc(cpu, FB, 0x10000, null);
        boolean big = m.memory().byteOrder() == ByteOrder.BIG_ENDIAN;
        assertThat(big).isEqualTo(machine.equals("booke-e500"));

        // iowrite32: the register's bytes on the bus in little-endian order on every arch
        io.iowrite32(cpu, 0x11223344, fb + 0x100);
        assertThat(io.ioread8(cpu, fb + 0x100)).isEqualTo(0x44);
        assertThat(io.ioread8(cpu, fb + 0x103)).isEqualTo(0x11);
        assertThat(io.ioread32(cpu, fb + 0x100)).isEqualTo(0x11223344);
        assertThat(cpu.load32(fb + 0x100)).as("a plain load: e500 sees it swapped").isEqualTo(big ? 0x44332211 : 0x11223344);
        io.iowrite32be(cpu, 0x11223344, fb + 0x200);
        assertThat(io.ioread8(cpu, fb + 0x200)).isEqualTo(0x11);
        assertThat(io.ioread32be(cpu, fb + 0x200)).isEqualTo(0x11223344);
        io.rawWritel(cpu, 0x11223344, fb + 0x300);
        assertThat(io.ioread8(cpu, fb + 0x300)).as("__raw_writel: the CPU's order").isEqualTo(big ? 0x11 : 0x44);

        // the uart: loopback, and its counters count each access of the _rep forms
        io.iowrite32(cpu, '!', uart);
        assertThat(io.ioread32(cpu, uart + 4) & 1).as("data ready").isEqualTo(1);
        assertThat(io.ioread32(cpu, uart)).isEqualTo('!');
        long buf = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, null);
        byte[] msg = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        cpu.write(buf, msg, 0, msg.length);
        int writesBefore = io.ioread32(cpu, uart + 0x44);
        io.iowrite8Rep(cpu, uart, buf, msg.length);
        assertThat(io.ioread32(cpu, uart + 0x44) - writesBefore).as("DATA writes").isEqualTo(5);
        int readsBefore = io.ioread32(cpu, uart + 0x40);
        io.ioread8Rep(cpu, uart, buf + 32, 5);
        assertThat(io.ioread32(cpu, uart + 0x40) - readsBefore).as("DATA reads").isEqualTo(5);
        byte[] back = new byte[5];
        cpu.read(buf + 32, back, 0, 5);
        assertThat(new String(back, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("hello");

        // memcpy_toio / memcpy_fromio / memset_io on the frame buffer
        byte[] pattern = new byte[64];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 3);
        }
        long src = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, null);
        cpu.write(src, pattern, 0, 64);
        io.memcpyToio(cpu, fb + 0xff0, src, 64); // across a page of the mapping
        io.memsetIo(cpu, fb + 0x1000, 0x7e, 8);
        long dst = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, null);
        io.memcpyFromio(cpu, dst, fb + 0xff0, 64);
        byte[] got = new byte[64];
        cpu.read(dst, got, 0, 64);
        byte[] expected = pattern.clone();
        java.util.Arrays.fill(expected, 16, 24, (byte) 0x7e);
        assertThat(got).containsExactly(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void theDmaEngineCopiesIntoAPageGivenByPaAndIntoAPinnedUserPage(String machine) {
        Machine m = boot(machine);
        Cpu cpu = m.mmu().cpu(0);
        IoAccessors io = m.kernel().io();
        long regs = m.kernel().ioremap().ioremap(cpu, DMA, 0x2000, "dmatest_probe+0x10/0x40");
        // the engine's buffer holds a message; the driver copies it out by DMA
        for (int i = 0; i < 16; i++) {
            io.iowrite8(cpu, 0xa0 + i, regs + 0x1000 + i);
        }
        long page = m.kernel().pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        long va = m.kernel().addresses().va(page << m.pageShift());
        long pa = m.kernel().addresses().pa(va);
        assertThat(pa).isEqualTo(page << m.pageShift());
        dma(m, cpu, regs, 0, pa + 8, 16, 2 /* SRC_BUF */);
        assertThat(io.ioread32(cpu, regs + 0x20)).as("DONE").isEqualTo(2);
        assertThat(cpu.load8(va + 8) & 0xff).isEqualTo(0xa0);
        assertThat(cpu.load8(va + 23) & 0xff).isEqualTo(0xaf);
        assertThat(cpu.load8(va + 24)).isNotEqualTo((byte) 0xb0);

        // a user page, pinned for the device (FOLL_LONGTERM, as a driver pinning for DMA)
        Mm mm = m.kernel().memory().mmAlloc(cpu);
        Task task = m.scheduler().createUserTask("dmauser", mm);
        m.scheduler().contextSwitch(cpu, task);
        long u = 0x10000000L;
        assertThat(m.kernel().memory().mmap().vmMmapPgoff(cpu, mm, u, 4096, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0)).isEqualTo(u);
        long[] pinned = new long[1];
        mm.mmapLock().readLock();
        try {
            assertThat(m.kernel().memory().gup().pinUserPages(cpu, u, 1, FollFlags.FOLL_WRITE | FollFlags.FOLL_LONGTERM, pinned)).isEqualTo(1);
        } finally {
            mm.mmapLock().readUnlock();
        }
        dma(m, cpu, regs, 4, (pinned[0] << m.pageShift()) + 0x100, 8, 2);
        assertThat(io.ioread64(cpu, regs + 0x28)).as("COUNT").isEqualTo(2);
        cpu.setUserMode(true);
        try {
            assertThat(cpu.load8(u + 0x100) & 0xff).as("the task sees the device's data").isEqualTo(0xa4);
            assertThat(cpu.load8(u + 0x107) & 0xff).isEqualTo(0xab);
            cpu.store8(u + 0x200, (byte) 0x5c);
        } finally {
            cpu.setUserMode(false);
        }
        // and the device reads what the task wrote
        dma(m, cpu, regs, (pinned[0] << m.pageShift()) + 0x200, 100, 1, 4 /* DST_BUF */);
        assertThat(io.ioread8(cpu, regs + 0x1000 + 100)).isEqualTo(0x5c);
        m.kernel().memory().gup().unpinUserPage(cpu, pinned[0]);

        // a hole: the engine sees a master abort, sets ERROR, counts nothing; no exception reaches the CPU
        dma(m, cpu, regs, 0, 0xfef80000L, 16, 2);
        assertThat(io.ioread32(cpu, regs + 0x20) & 4).as("ERROR").isEqualTo(4);
        assertThat(io.ioread64(cpu, regs + 0x30)).isEqualTo(0xfef80000L);
        assertThat(io.ioread64(cpu, regs + 0x28)).isEqualTo(3);
        m.scheduler().doExit(cpu, 0);
        m.kernel().pages().freePages(cpu, page, 0);
        m.kernel().ioremap().iounmap(cpu, regs);
        assertThat(m.kernel().vmalloc().busyAreas()).noneMatch(a -> (a.flags() & Vmalloc.VM_IOREMAP) != 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void anAccessorOnAnIoremappedHoleIsTheArchsMachineCheck(String machine) {
        Machine m = boot(machine);
        Cpu cpu = m.mmu().cpu(0);
        long hole = m.kernel().ioremap().ioremap(cpu, 0xfef80000L, 0x1000, null);
        assertThat(hole).as("no RAM there: ioremap maps it").isNotZero();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> m.kernel().io().ioread32(cpu, hole + 4))
                .isInstanceOf(org.kmemu.api.KernelOopsException.class)
                .satisfies(e -> assertThat(((org.kmemu.api.KernelOopsException) e).report()).containsAnyOf(
                        "mce: [Hardware Error]: TSC 0 ADDR fef80004 ", "Caused by (from MCSR=10): Bus - Read Data Bus Error"));
    }

    /** Programs one transfer with writeq/writel, as a driver does, and rings the doorbell. */
    private static void dma(Machine m, Cpu cpu, long regs, long src, long dst, int len, int ctrl) {
        IoAccessors io = m.kernel().io();
        io.writeq(cpu, src, regs);
        io.writeq(cpu, dst, regs + 8);
        io.writel(cpu, len, regs + 0x10);
        io.writel(cpu, 6, regs + 0x20); // acknowledge DONE and ERROR
        io.writel(cpu, ctrl | 1, regs + 0x18);
    }
}
