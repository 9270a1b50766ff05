package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.MightSleep;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.GupUserCopy;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.TlbStats;

/**
 * {@code copy-to-user}: {@code copy_to_user} of a kernel buffer to a user range that covers the end of one
 * page, the whole next page, and runs into a hole, by both paths the kernel has had:
 * <ul>
 *   <li>direct: the copy goes through the CPU's MMU with the user space mapped beside the kernel; each
 *       missing page is a #PF in kernel mode that handle_mm_fault fills, and the hole is a fault no VMA
 *       covers, fixed up by the exception table: the copy stops there and returns the bytes not copied;</li>
 *   <li>gup-kmap: i386's 4G/4G split (user space not mapped while the kernel runs): per user page
 *       get_user_pages(write=1) under the mmap lock, kmap_atomic, memcpy, kunmap_atomic, put_page; the
 *       hole is a GUP call that returns -EFAULT.</li>
 * </ul>
 * The machine's {@code kmemu.uaccess.copy-path} picks one path for {@code kernel().uaccess()}; the demo
 * builds one {@link Uaccess} per path over the same machine, so both run in one boot.
 */
final class CopyToUserDemo implements Demo {
    /** Bytes copied into the first page, at its end. */
    static final int HEAD = 100;
    /** Bytes that would land in the hole. */
    static final int TAIL = 50;

    @Override
    public String name() {
        return "copy-to-user";
    }

    @Override
    public String summary() {
        return "copy_to_user across two pages into a hole, direct (MMU) and i386 4G/4G (GUP + kmap_atomic)";
    }

    @Override
    public List<String> description() {
        return List.of(
                "A task maps two pages followed by a hole (mmap 3 pages, munmap the last). Kernel code copies a kernel",
                "buffer with copy_to_user(to, from, n), to = " + HEAD + " bytes before the end of the first page, n = " + HEAD
                        + " + PAGE_SIZE + " + TAIL + ",",
                "so that the copy crosses into the second page and runs " + TAIL + " bytes into the hole. It does so twice, on",
                "fresh pages: by the direct path (the CPU's MMU: kernel-mode #PFs filled by handle_mm_fault, the hole fixed",
                "up by the exception table) and by i386's 4G/4G path (get_user_pages + kmap_atomic + memcpy per page).",
                "For each: bytes not copied (exactly " + TAIL + "), faults taken, GUP calls, kmap_atomics and TLB misses.");
    }

    @Override
    public void run(Machine m, PrintWriter pw) {
        Steps out = new Steps(pw);
        out.header(this, m);
        Cpu cpu = m.mmu().cpu(0);
        long freeBefore = UserProcess.freePages(m);
        try (FaultLog faults = new FaultLog(m)) {
            UserProcess p = UserProcess.spawn(m, "reader");
            int n = (int) (HEAD + p.pageSize + TAIL);

            out.step("the kernel buffer");
            long kbuf = m.kernel().pages().getFreePages(cpu, Gfp.GFP_KERNEL, 1);
            Checks.that(kbuf != 0, "__get_free_pages(GFP_KERNEL, 1) failed");
            byte[] data = new byte[n];
            for (int i = 0; i < n; i++) {
                data[i] = (byte) ('a' + i % 26);
            }
            cpu.write(kbuf, data, 0, n);
            long kpfn = m.kernel().addresses().pa(kbuf) >> m.pageShift();
            out.line("__get_free_pages(GFP_KERNEL, 1) = %#x (pfn %#x, %s), filled with %d bytes \"abc...z\" repeated",
                    kbuf, kpfn, PageView.zone(m, kpfn), n);

            GupUserCopy gupCopy = new GupUserCopy(faults.newGup(), m.kernel().highmem(), m.kernel().pages(), m.pageShift());
            Uaccess direct = new Uaccess(m.memory(), m.layout().taskSize(), new MightSleep(m.log()));
            Uaccess gupKmap = new Uaccess(m.memory(), m.layout().taskSize(), new MightSleep(m.log()), gupCopy::copy);

            copy(out, m, p, faults, direct, null, kbuf, data, "direct: through the CPU's MMU (copy-path = direct)");
            copy(out, m, p, faults, gupKmap, gupCopy, kbuf, data,
                    "gup-kmap: i386 4G/4G, get_user_pages + kmap_atomic per page (copy-path = gup-kmap)");

            out.step("the task exits");
            m.kernel().pages().freePagesVirt(cpu, kbuf, 1);
            out.line("free_pages(%#x, 1)", kbuf);
            m.scheduler().doExit(cpu, 0);
            out.line("do_exit(0)");
            long freeAfter = UserProcess.freePages(m);
            out.line("drain_all_pages(); nr_free_pages() = %d before, %d after: %s", freeBefore, freeAfter,
                    freeAfter == freeBefore ? "every page is back" : "PAGES LOST");
            Checks.equal(freeAfter, freeBefore, "nr_free_pages after exit");
        }
    }

    private static void copy(Steps out, Machine m, UserProcess p, FaultLog faults, Uaccess uaccess, GupUserCopy gupCopy,
            long kbuf, byte[] data, String title) {
        Cpu cpu = p.cpu;
        long page = p.pageSize;
        int n = data.length;
        out.step(title);
        long buf = p.mmap(3 * page, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
        Checks.positive(buf, "mmap");
        out.line("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x", 3 * page, buf);
        int unmapped = p.munmap(buf + 2 * page, page);
        out.line("munmap(%#x, %d) = %d: the third page is a hole", buf + 2 * page, page, unmapped);
        Checks.equal(unmapped, 0, "munmap");
        out.detail(p.mapsLine(buf));
        long to = buf + page - HEAD;
        TlbStats before = cpu.tlbStats();
        long gupBefore = gupCopy == null ? 0 : gupCopy.gupCalls();
        long kmapBefore = gupCopy == null ? 0 : gupCopy.kmapAtomics();
        int mark = faults.mark();
        long left = uaccess.copyToUser(cpu, to, kbuf, n);
        TlbStats after = cpu.tlbStats();
        out.line("copy_to_user(%#x, %#x, %d) = %d", to, kbuf, n, left);
        out.detail("%d bytes into page 0 (%#x..%#x), %d into page 1, then the hole at %#x", HEAD, to, buf + page - 1, page,
                buf + 2 * page);
        out.detail("bytes not copied: %d%s", left, left == TAIL ? " (exactly the bytes that fall in the hole)" : "");
        out.detail("faults taken:");
        out.faults(faults.since(mark));
        if (gupCopy != null) {
            out.detail("get_user_pages calls: %d (one per user page touched; the last returned -EFAULT)",
                    gupCopy.gupCalls() - gupBefore);
            out.detail("kmap_atomic/kunmap_atomic pairs: %d", gupCopy.kmapAtomics() - kmapBefore);
        } else {
            out.detail("get_user_pages calls: 0, kmap_atomic: 0 (the user pages are reached through the user mapping)");
        }
        out.detail("TLB on CPU 0: %d misses, %d page-table walks, %d refills from the second-level TLB during the copy",
                after.misses() - before.misses(), after.walks() - before.walks(), after.stlbHits() - before.stlbHits());
        out.detail("page 0: %s", PageView.of(m, p.pfn(buf)));
        out.detail("page 1: %s", PageView.of(m, p.pfn(buf + page)));
        byte[] seen = p.load(to, n - TAIL);
        boolean same = Arrays.equals(seen, Arrays.copyOf(data, n - TAIL));
        out.detail("the task reads %d bytes at %#x: %s", n - TAIL, to, same ? "the kernel buffer's bytes" : "DIFFERENT BYTES");
        Checks.equal(left, TAIL, "copy_to_user's bytes not copied");
        Checks.that(same, "the task sees the copied bytes");
        Checks.equal(p.munmap(buf, 2 * page), 0, "munmap");
    }
}
