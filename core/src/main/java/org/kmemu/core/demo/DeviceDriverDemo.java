package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.driver.IoMemDriver;
import org.kmemu.core.driver.ReservedBufferDriver;
import org.kmemu.core.kernel.IoAccessors;
import org.kmemu.core.kernel.IoRemap;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.machine.Resource;
import org.kmemu.core.mm.memory.FollFlags;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.WalkReport;
import org.kmemu.core.proc.ProcFs;

/**
 * {@code device-driver}: a driver's whole life on the machine's devices (issue 10). It finds the UART and the
 * frame buffer in the resource tree, claims their windows with request_mem_region (and shows a second
 * driver's claim refused), ioremaps them (the uncached / write-combining PTE bits), talks to the UART's
 * registers with iowrite32/ioread32 and shows the bus byte order on the frame buffer (iowrite32 little-endian
 * everywhere; a plain CPU store is the CPU's order, swapped on big-endian e500); then it shares a reserved
 * kernel buffer with a task through remap_pfn_range and lets the task write the frame buffer through
 * io_remap_pfn_range; at the end everything is released and every page is back.
 */
final class DeviceDriverDemo implements Demo {
    private static final String UART = "uart";
    private static final String FB = "framebuffer";
    private static final long UART_DATA = 0x00;
    private static final long UART_STATUS = 0x04;

    @Override
    public String name() {
        return "device-driver";
    }

    @Override
    public String summary() {
        return "a driver claims and ioremaps the UART and frame buffer, then maps kernel and device memory into a task";
    }

    @Override
    public List<String> description() {
        return List.of(
                "Needs a uart and a framebuffer in kmemu.devices (the shipped machines have both). The driver finds",
                "them in /proc/iomem, claims their windows (request_mem_region; a second claim is refused with the",
                "kernel's \"resource collision\" line), ioremaps them (the PTE's cache bits: x86 PCD/PWT through PAT,",
                "e500 I and G), sends two bytes through the UART's data register and reads them back (loopback), and",
                "writes 0x11223344 into the frame buffer once with iowrite32 (little-endian on the bus on every arch)",
                "and once with a plain store (the CPU's order: swapped on big-endian e500). Then a task mmaps",
                "/dev/kmemu_buf: the driver's __get_free_pages buffer, every page SetPageReserved, remap_pfn_range'd",
                "(VM_IO | VM_PFNMAP, special PTEs, no refcount or mapcount taken); task and driver see each other's",
                "writes. The task mmaps /dev/fb0 (io_remap_pfn_range, uncached) and draws into the frame buffer; the",
                "driver reads it back through its ioremap. get_user_pages refuses both mappings. Teardown: munmap,",
                "ClearPageReserved + free_pages, iounmap, release_mem_region; every page is back.");
    }

    @Override
    public void run(Machine m, PrintWriter pw) {
        Steps out = new Steps(pw);
        out.header(this, m);
        Cpu cpu = m.mmu().cpu(0);
        long freeBefore = UserProcess.freePages(m);
        long kernelTables0 = m.mmu().kernelTables().tablePages();

        out.step("the driver probes: the devices in /proc/iomem");
        Resource uart = find(m.iomem(), UART);
        Resource fb = find(m.iomem(), FB);
        if (uart == null || fb == null) {
            throw new IllegalStateException("this machine has no " + (uart == null ? UART : FB)
                    + " device: add kmemu.devices = [ { type = uart, base = ... }, { type = framebuffer, base = ... } ]");
        }
        long uartLen = uart.end() - uart.start() + 1;
        long fbLen = fb.end() - fb.start() + 1;
        iomemLines(m, out, uart, fb);

        out.step("request_mem_region: the driver claims both windows");
        Resource uartClaim = m.ioRegions().requestMemRegion(uart.start(), uartLen, "kmemu-uart");
        Resource fbClaim = m.ioRegions().requestMemRegion(fb.start(), fbLen, "kmemu-fb");
        out.line("request_mem_region(%#x, %#x, \"kmemu-uart\") = %s", uart.start(), uartLen, uartClaim == null ? "NULL" : "ok");
        out.line("request_mem_region(%#x, %#x, \"kmemu-fb\") = %s", fb.start(), fbLen, fbClaim == null ? "NULL" : "ok");
        Checks.that(uartClaim != null && fbClaim != null, "the first claims succeed");
        iomemLines(m, out, uart, fb);
        int logMark = m.log().lines().size();
        Resource second = m.ioRegions().requestMemRegion(uart.start(), 8, "other-driver");
        out.line("request_mem_region(%#x, 8, \"other-driver\") = %s   (a second driver: busy)", uart.start(),
                second == null ? "NULL" : "ok");
        Checks.that(second == null, "a second claim of a claimed window is refused");
        for (org.kmemu.core.machine.KernelLogBuffer.Line l : m.log().lines().subList(logMark, m.log().lines().size())) {
            out.detail("dmesg: %s", l.text());
        }

        out.step("ioremap: the windows in the vmalloc space, uncached");
        IoRemap io = m.kernel().ioremap();
        IoAccessors acc = m.kernel().io();
        long regs = io.ioremap(cpu, uart.start(), uartLen, "kmemu_probe+0x40/0x120");
        long vram = io.ioremapWc(cpu, fb.start(), fbLen, "kmemu_probe+0x60/0x120");
        Checks.that(regs != 0 && vram != 0, "ioremap");
        out.line("ioremap(%#x, %#x) = %#x", uart.start(), uartLen, regs);
        out.detail(kernelPte(m, regs));
        out.line("ioremap_wc(%#x, %#x) = %#x", fb.start(), fbLen, vram);
        out.detail(kernelPte(m, vram));
        for (String l : new ProcFs(m).read("vmallocinfo").split("\n")) {
            if (l.contains(" ioremap")) {
                out.detail("/proc/vmallocinfo: %s", l);
            }
        }

        out.step("the UART's registers: iowrite32 to DATA, ioread32 of STATUS and DATA (a loopback FIFO)");
        int status0 = acc.ioread32(cpu, regs + UART_STATUS);
        out.line("ioread32(regs + STATUS) = %#010x", status0);
        acc.iowrite32(cpu, 'o', regs + UART_DATA);
        acc.iowrite32(cpu, 'k', regs + UART_DATA);
        out.line("iowrite32('o', regs + DATA); iowrite32('k', regs + DATA)");
        int status = acc.ioread32(cpu, regs + UART_STATUS);
        out.line("ioread32(regs + STATUS) = %#010x   (bit 0: data ready)", status);
        StringBuilder got = new StringBuilder();
        while ((acc.ioread32(cpu, regs + UART_STATUS) & 1) != 0 && got.length() < 64) {
            got.append((char) (acc.ioread32(cpu, regs + UART_DATA) & 0xff));
        }
        out.line("ioread32(regs + DATA) until not ready: \"%s\"", got);
        Checks.that(got.toString().endsWith("ok"), "the UART's loopback gives back what was written");

        out.step("byte order on the bus: the frame buffer's first bytes");
        acc.iowrite32(cpu, 0x11223344, vram);
        out.line("iowrite32(0x11223344, vram + 0):  bytes %s   (little-endian on the bus, on every arch)", bytes(acc, cpu, vram));
        cpu.store32(vram + 4, 0x11223344);
        out.line("*(u32 *)(vram + 4) = 0x11223344:  bytes %s   (the CPU's own order: %s)", bytes(acc, cpu, vram + 4),
                m.memory().byteOrder() == java.nio.ByteOrder.BIG_ENDIAN ? "big-endian e500" : "little-endian");
        out.line("ioread32(vram + 4) = %#010x, ioread32be(vram + 4) = %#010x, __raw_readl(vram + 4) = %#010x",
                acc.ioread32(cpu, vram + 4), acc.ioread32be(cpu, vram + 4), acc.rawReadl(cpu, vram + 4));
        Checks.equal(acc.ioread8(cpu, vram), 0x44, "iowrite32's first byte on the bus");

        out.step("a task maps the driver's reserved buffer: /dev/kmemu_buf -> remap_pfn_range");
        ReservedBufferDriver bufDrv = new ReservedBufferDriver(m.kernel(), "/dev/kmemu_buf", 60, 1,
                ReservedBufferDriver.Allocation.GET_FREE_PAGES);
        VmFile bufFile = bufDrv.open(cpu);
        Checks.that(bufFile != null, "open(/dev/kmemu_buf)");
        long kbuf = bufDrv.buffer(bufFile);
        long kpfn = m.kernel().addresses().virtToPage(kbuf);
        out.line("driver open: __get_free_pages(GFP_KERNEL | __GFP_ZERO, 1) = %#x (pfn %#x); SetPageReserved on both pages",
                kbuf, kpfn);
        out.detail(PageView.of(m, kpfn));
        UserProcess p = UserProcess.spawn(m, "fbdraw");
        long len = bufDrv.bufferBytes();
        long ubuf = p.mmap(len, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, bufFile, 0);
        out.line("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_SHARED, fd of /dev/kmemu_buf, 0) = %#x", len, ubuf);
        Checks.positive(ubuf, "mmap of /dev/kmemu_buf");
        out.detail(p.mapsLine(ubuf));
        out.detail(p.smapsField(ubuf, "VmFlags"));
        out.detail(userPte(m, p, ubuf));
        out.detail("after the mapping: %s   (no reference or mapcount taken: vm_normal_page is NULL)", PageView.of(m, kpfn));
        p.storeString(ubuf + 16, "written by the task");
        byte[] seen = new byte[32];
        cpu.read(kbuf + 16, seen, 0, seen.length);
        out.line("the task writes \"written by the task\" at %#x; the driver reads at %#x: \"%s\"", ubuf + 16, kbuf + 16,
                UserProcess.string(seen));
        Checks.equal(UserProcess.string(seen), "written by the task", "the driver's view of the task's write");
        byte[] reply = UserProcess.cstring("written by the driver");
        cpu.write(kbuf + len - 64, reply, 0, reply.length);
        String back = p.loadString(ubuf + len - 64, 32);
        out.line("the driver writes \"written by the driver\" at %#x; the task reads at %#x: \"%s\"", kbuf + len - 64,
                ubuf + len - 64, back);
        Checks.equal(back, "written by the driver", "the task's view of the driver's write");
        gupRefused(m, cpu, p, ubuf, out);

        out.step("the task maps the frame buffer: /dev/fb0 -> io_remap_pfn_range (vm_iomap_memory), uncached");
        IoMemDriver fbDrv = new IoMemDriver(m.kernel(), m.arch(), "/dev/fb0", IoMemDriver.FB_MAJOR, 0, fb.start(), fbLen);
        VmFile fbFile = fbDrv.open();
        long fbMapLen = Math.min(fbLen, 2 * p.pageSize);
        long ufb = p.mmap(fbMapLen, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED, fbFile, 0);
        out.line("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_SHARED, fd of /dev/fb0, 0) = %#x", fbMapLen, ufb);
        Checks.positive(ufb, "mmap of /dev/fb0");
        out.detail(p.mapsLine(ufb));
        out.detail(userPte(m, p, ufb));
        byte[] pixels = new byte[16];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (0xa0 + i);
        }
        p.store(ufb + p.pageSize, pixels);
        out.line("the task stores 16 pixel bytes a0 a1 .. af at %#x (page 1 of the frame buffer)", ufb + p.pageSize);
        StringBuilder viaIo = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            viaIo.append(String.format("%02x ", acc.ioread8(cpu, vram + p.pageSize + i)));
        }
        out.line("the driver: ioread8(vram + %#x ..) = %s, ioread32(vram + %#x) = %#010x", p.pageSize, viaIo.toString().strip(),
                p.pageSize, acc.ioread32(cpu, vram + p.pageSize));
        Checks.equal(acc.ioread32(cpu, vram + p.pageSize), 0xa3a2a1a0, "the driver's view of the task's pixels");
        gupRefused(m, cpu, p, ufb, out);

        out.step("teardown: the task exits, the driver releases, iounmaps and gives the regions back");
        m.scheduler().doExit(cpu, 0);
        out.line("exit_mmap: the special PTEs are zapped, no struct page touched: %s", PageView.of(m, kpfn));
        bufFile.release(cpu);
        out.line("release(/dev/kmemu_buf): ClearPageReserved on both pages, free_pages(%#x, 1)", kbuf);
        io.iounmap(cpu, regs);
        io.iounmap(cpu, vram);
        out.line("iounmap(%#x); iounmap(%#x)", regs, vram);
        m.ioRegions().releaseMemRegion(uart.start(), uartLen);
        m.ioRegions().releaseMemRegion(fb.start(), fbLen);
        out.line("release_mem_region(%#x, %#x); release_mem_region(%#x, %#x)", uart.start(), uartLen, fb.start(), fbLen);
        iomemLines(m, out, uart, fb);
        m.kernel().vmalloc().purgeVmapAreaLazy(cpu);
        long freeAfter = UserProcess.freePages(m);
        List<String> bad = new ArrayList<>();
        for (org.kmemu.core.machine.KernelLogBuffer.Line l : m.log().lines()) {
            if (l.text().contains("Bad page state")) {
                bad.add(l.text());
            }
        }
        Checks.that(bad.isEmpty(), "no Bad page state: " + bad);
        // ioremap may have allocated page-table pages for the vmalloc range: the kernel keeps those for good
        // (vunmap frees no kernel page table), so they are counted apart.
        long kernelTables = m.mmu().kernelTables().tablePages() - kernelTables0;
        out.line("drain_all_pages(); nr_free_pages() = %d before the driver, %d after, %d kernel page-table page%s kept: %s",
                freeBefore, freeAfter, kernelTables, kernelTables == 1 ? "" : "s",
                freeAfter + kernelTables == freeBefore ? "every page is back" : "PAGES LOST");
        Checks.equal(freeAfter + kernelTables, freeBefore, "nr_free_pages after the teardown");
    }

    /** The first resource named {@code name} below {@code root}, depth first. */
    private static Resource find(Resource root, String name) {
        for (Resource r : root.children()) {
            if (r.name().equals(name)) {
                return r;
            }
            Resource below = find(r, name);
            if (below != null) {
                return below;
            }
        }
        return null;
    }

    /** The /proc/iomem lines of the two windows and what is claimed inside them. */
    private static void iomemLines(Machine m, Steps out, Resource uart, Resource fb) {
        String u = String.format("%08x-", uart.start());
        String f = String.format("%08x-", fb.start());
        for (String l : new ProcFs(m).read("iomem").split("\n")) {
            String s = l.strip();
            if (s.startsWith(u) || s.startsWith(f)) {
                out.detail("/proc/iomem: %s", l);
            }
        }
    }

    /** The kernel PTE of an ioremapped address: the arch's own bit names and kmemu's. */
    private static String kernelPte(Machine m, long va) {
        WalkReport w = m.mmu().walk(m.mmu().kernelTables().root(), va);
        return String.format("PTE of %#x: phys %#x [%s]   %s", va, w.physical(), PteFlags.toString(w.flags()),
                w.lines().isEmpty() ? "" : w.lines().get(w.lines().size() - 1).strip());
    }

    /** A user PTE: kmemu's flag names and the arch format's bit names (SPECIAL shows remap_pfn_range's mark). */
    private static String userPte(Machine m, UserProcess p, long addr) {
        PageTableFormat f = m.mmu().format();
        long pte = p.pte(addr);
        return p.pteLine(addr) + "   arch bits: " + f.describe(pte, f.levels() - 1);
    }

    private static String bytes(IoAccessors acc, Cpu cpu, long addr) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            sb.append(String.format("%02x", acc.ioread8(cpu, addr + i))).append(i < 3 ? " " : "");
        }
        return sb.toString();
    }

    /** get_user_pages on a VM_IO | VM_PFNMAP mapping: check_vma_flags refuses it. */
    private static void gupRefused(Machine m, Cpu cpu, UserProcess p, long addr, Steps out) {
        long[] pages = new long[1];
        p.mm.mmapLock().readLock();
        long n;
        try {
            n = m.kernel().memory().gup().getUserPages(cpu, addr, 1, FollFlags.FOLL_WRITE, pages);
        } finally {
            p.mm.mmapLock().readUnlock();
        }
        out.line("get_user_pages(%#x, 1, FOLL_WRITE) = %d (%s)   (VM_IO | VM_PFNMAP: no struct page to pin)", addr, n,
                n == -14 ? "-EFAULT" : "?");
        Checks.equal(n, -14, "get_user_pages on a VM_PFNMAP mapping");
    }
}
