package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FollFlags;
import org.kmemu.core.mm.memory.Gup;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code gup-driver}: a driver reaches a user buffer. The task mmaps anonymous memory and writes a marker
 * in each page; kernel code running in the task's context on the same CPU (a driver's ioctl) pins the
 * buffer with {@code pin_user_pages(FOLL_WRITE)}, kmaps each page (a pkmap slot for a HighMem page, the
 * direct map otherwise), reads the marker through the kernel address, fills the page, and releases it
 * with {@code unpin_user_pages_dirty_lock}; the task then reads the driver's data through its own mapping.
 *
 * <p>Why FOLL_PIN and not 2.6's get_user_pages(write=1): Documentation/core-api/pin_user_pages.rst
 * asks code that writes a page's data (DMA, or the CPU through kmap) to pin it, so that the page is
 * recognisably pinned ({@code folio_maybe_dma_pinned}: refcount + GUP_PIN_COUNTING_BIAS) while writeback
 * or reclaim look at it. The 2.6 shape is the one {@code gup-write-force} shows.
 */
final class GupDriverDemo implements Demo {
    private static final int NR_PAGES = 3;
    /** Where in each page the driver writes, after the task's marker. */
    private static final int FILL_OFFSET = 64;

    @Override
    public String name() {
        return "gup-driver";
    }

    @Override
    public String summary() {
        return "a driver pins a user buffer (pin_user_pages), kmaps and fills it; the task reads the data";
    }

    @Override
    public List<String> description() {
        return List.of(
                "A task mmaps a " + NR_PAGES + "-page anonymous buffer and writes a marker in each page (page faults:",
                "do_anonymous_page). Kernel code on the same CPU, in the task's context (a driver's ioctl), takes the",
                "mmap lock, pins the buffer with pin_user_pages(FOLL_WRITE) (refcount + GUP_PIN_COUNTING_BIAS), kmaps",
                "each page (on i386 with highmem the user pages are HighMem and kmap gives a pkmap address; elsewhere",
                "the direct map), reads the marker back, fills the page and unmaps it, then unpin_user_pages_dirty_lock.",
                "The task reads the driver's data through its own mapping; it exits and every page goes back.");
    }

    @Override
    public void run(Machine m, PrintWriter pw) {
        Steps out = new Steps(pw);
        out.header(this, m);
        Cpu cpu = m.mmu().cpu(0);
        int shift = m.pageShift();
        long freeBefore = UserProcess.freePages(m);
        try (FaultLog faults = new FaultLog(m)) {
            UserProcess p = UserProcess.spawn(m, "gup-demo");
            long len = NR_PAGES * p.pageSize;

            out.step("the task " + p.who() + " maps a buffer");
            long buf = p.mmap(len, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            out.line("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x", len, buf);
            Checks.positive(buf, "mmap");
            out.detail(p.mapsLine(buf));
            out.detail("no page yet: %s", p.pteLine(buf));

            out.step("the task writes a marker at the start of each page (user-mode stores)");
            for (int i = 0; i < NR_PAGES; i++) {
                long a = buf + i * p.pageSize;
                String marker = "marker of " + p.who() + " in page " + i;
                int mark = faults.mark();
                p.storeString(a, marker);
                out.line("*(char *)%#x = \"%s\"", a, marker);
                out.faults(faults.since(mark));
                out.detail(p.pteLine(a));
                out.detail(PageView.of(m, p.pfn(a)));
            }

            out.step("the driver pins the buffer (kernel code on CPU 0, current = " + p.who() + ")");
            Gup gup = faults.newGup();
            long[] pages = new long[NR_PAGES];
            out.line("mmap_read_lock(current->mm)");
            p.mm.mmapLock().readLock();
            long pinned;
            int mark = faults.mark();
            try {
                pinned = gup.pinUserPages(cpu, buf, NR_PAGES, FollFlags.FOLL_WRITE, pages);
            } finally {
                p.mm.mmapLock().readUnlock();
            }
            out.line("pin_user_pages(%#x, %d, FOLL_WRITE, pages) = %d", buf, NR_PAGES, pinned);
            out.faults(faults.since(mark));
            out.line("mmap_read_unlock(current->mm)");
            Checks.equal(pinned, NR_PAGES, "pin_user_pages");
            for (int i = 0; i < NR_PAGES; i++) {
                out.detail("pages[%d] = %s", i, PageView.of(m, pages[i]));
            }
            out.detail("(pin_user_pages, not get_user_pages: the driver writes the data, so");
            out.detail(" Documentation/core-api/pin_user_pages.rst wants FOLL_PIN; see gup-write-force for 2.6's shape)");

            out.step("the driver kmaps each page, reads the marker, fills the page, kunmaps");
            KernelLayout layout = m.layout();
            for (int i = 0; i < NR_PAGES; i++) {
                long kaddr = m.kernel().highmem().kmap(cpu, pages[i]);
                out.line("kmap(pages[%d]) = %#x  %s", i, kaddr, where(m, pages[i], kaddr, layout, shift));
                byte[] seen = new byte[48];
                cpu.read(kaddr, seen, 0, seen.length);
                out.detail("the driver reads at %#x: \"%s\"", kaddr, UserProcess.string(seen));
                String data = "filled by the driver, page " + i;
                byte[] bytes = UserProcess.cstring(data);
                cpu.write(kaddr + FILL_OFFSET, bytes, 0, bytes.length);
                out.detail("memcpy(%#x + %d, \"%s\", %d)", kaddr, FILL_OFFSET, data, bytes.length);
                m.kernel().highmem().kunmap(cpu, pages[i]);
                out.detail("kunmap(pages[%d])", i);
            }

            out.step("the driver releases the pages: unpin_user_pages_dirty_lock(pages, " + NR_PAGES + ", true)");
            gup.unpinUserPagesDirtyLock(cpu, pages, NR_PAGES, true);
            for (int i = 0; i < NR_PAGES; i++) {
                out.detail("pages[%d] = %s", i, PageView.of(m, pages[i]));
            }

            out.step("the task reads its buffer through its own mapping");
            for (int i = 0; i < NR_PAGES; i++) {
                long a = buf + i * p.pageSize;
                mark = faults.mark();
                String marker = p.loadString(a, 48);
                String data = p.loadString(a + FILL_OFFSET, 48);
                out.line("%#x: \"%s\"   %#x: \"%s\"", a, marker, a + FILL_OFFSET, data);
                Checks.equal(data, "filled by the driver, page " + i, "the task's view of page " + i);
                if (!faults.since(mark).isEmpty()) {
                    out.faults(faults.since(mark));
                }
            }

            out.step("the task exits: do_exit -> exit_mm -> mmput -> exit_mmap");
            m.scheduler().doExit(cpu, 0);
            long freeAfter = UserProcess.freePages(m);
            out.line("drain_all_pages(); nr_free_pages() = %d before the task, %d after its exit: %s", freeBefore, freeAfter,
                    freeAfter == freeBefore ? "every page is back" : "PAGES LOST");
            Checks.equal(freeAfter, freeBefore, "nr_free_pages after exit");
        }
    }

    /** Says where a kmap address comes from: a pkmap slot or the direct map. */
    static String where(Machine m, long pfn, long kaddr, KernelLayout layout, int shift) {
        if (layout.lastPkmap() > 0 && pfn >= layout.maxLowPfn()) {
            long slot = (kaddr - layout.pkmapBase()) >> shift;
            return String.format("(HighMem page: pkmap slot %d = PKMAP_BASE %#x + %d * PAGE_SIZE)", slot, layout.pkmapBase(), slot);
        }
        return String.format("(lowmem page: the direct map, __va(%#x) = PAGE_OFFSET + phys)", pfn << shift);
    }
}
