package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Errno;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.Gup;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;

/**
 * {@code gup-write-force}: what 2.6's {@code get_user_pages(tsk, mm, start, len, write, force, pages, vmas)}
 * does with {@code write} and {@code force} on a read-only private mapping of a file (a program's text as
 * a debugger sees it). Four calls, write=0/1 x force=0/1:
 * <ul>
 *   <li>write=0: the page-cache page itself (faulted in read-only by the first call: do_read_fault);</li>
 *   <li>write=1, force=0: -EFAULT, the VMA has no VM_WRITE (mm/gup.c check_vma_flags);</li>
 *   <li>write=1, force=1: a write fault breaks COW: a private anonymous copy (do_wp_page → wp_page_copy),
 *       mapped read-only because the VMA is; GUP returns the copy (can_follow_write_pte: an exclusive
 *       anonymous page in a COW mapping), never the file's page.</li>
 * </ul>
 * The "debugger" then writes through the copy, as {@code access_process_vm} (ptrace POKETEXT) does: the task
 * sees the new bytes, the file keeps the old ones.
 */
final class GupWriteForceDemo implements Demo {
    static final String PATH = "/demo/program";
    static final String ORIGINAL = "original file contents";
    static final String POKED = "poked by the debugger";

    @Override
    public String name() {
        return "gup-write-force";
    }

    @Override
    public String summary() {
        return "get_user_pages write=0/1 x force=0/1 on a read-only private file mapping: -EFAULT, COW, file untouched";
    }

    @Override
    public List<String> description() {
        return List.of(
                "A task maps a file of the ram fs PROT_READ, MAP_PRIVATE (as a program's text is mapped). Kernel code",
                "in its context calls 2.6's get_user_pages(current, current->mm, addr, 1, write, force, &page, NULL)",
                "four times: write=0 force=0, write=0 force=1, write=1 force=0, write=1 force=1. For each: the result",
                "(-EFAULT for write without force), the faults taken, the COW copies made and the page returned (the",
                "page-cache page, or a private anonymous copy). A debugger's write then goes through the copy, as",
                "access_process_vm does for ptrace; the task sees it, the file (read(2) and its page cache) does not.");
    }

    @Override
    public void run(Machine m, PrintWriter pw) {
        Steps out = new Steps(pw);
        out.header(this, m);
        Cpu cpu = m.mmu().cpu(0);
        long freeBefore = UserProcess.freePages(m);
        try (FaultLog faults = new FaultLog(m)) {
            UserProcess p = UserProcess.spawn(m, "debuggee");
            Inode inode = m.kernel().fs().create(PATH, UserProcess.cstring(ORIGINAL));

            out.step("a file on the ram fs, mapped read-only and private by " + p.who());
            out.line("%s: inode %d, %d bytes: \"%s\"", PATH, inode.ino(), inode.size(), ORIGINAL);
            VmFile file = inode.open();
            out.line("fd = open(\"%s\", O_RDONLY)", PATH);
            long addr = p.mmap(p.pageSize, Mman.PROT_READ, Mman.MAP_PRIVATE, file, 0);
            out.line("mmap(NULL, %d, PROT_READ, MAP_PRIVATE, fd, 0) = %#x", p.pageSize, addr);
            Checks.positive(addr, "mmap");
            out.detail(p.mapsLine(addr));

            out.step("four get_user_pages calls (2.6: write and force are arguments; 6.x: FOLL_WRITE, FOLL_FORCE)");
            Gup gup = faults.newGup();
            List<Long> held = new ArrayList<>();
            List<String> table = new ArrayList<>();
            long cachePfn = -1;
            long copyPfn = -1;
            for (int write = 0; write <= 1; write++) {
                for (int force = 0; force <= 1; force++) {
                    long[] page = new long[1];
                    int mark = faults.mark();
                    p.mm.mmapLock().readLock();
                    int got;
                    try {
                        got = gup.getUserPages26(cpu, p.task, p.mm, addr, 1, write == 1, force == 1, page, null);
                    } finally {
                        p.mm.mmapLock().readUnlock();
                    }
                    List<FaultLog.Entry> taken = faults.since(mark);
                    long cows = taken.stream().filter(FaultLog.Entry::cow).count();
                    out.line("get_user_pages(current, current->mm, %#x, 1, %d, %d, &page, NULL) = %s", addr, write, force,
                            got < 0 ? got + " (" + errno(got) + ")" : Integer.toString(got));
                    out.faults(taken);
                    String what;
                    if (got == 1) {
                        held.add(page[0]);
                        boolean anon = PageView.anon(m, page[0]);
                        what = anon ? "private anon copy" : "page-cache page";
                        if (anon) {
                            copyPfn = page[0];
                        } else {
                            cachePfn = page[0];
                        }
                        out.detail("page = %s", PageView.of(m, page[0]));
                    } else {
                        what = "none";
                    }
                    out.detail(p.pteLine(addr));
                    table.add(String.format("%5d %5d  %-16s %6d %10d  %s", write, force, got < 0 ? errno(got) : "1 page",
                            taken.size(), cows, got == 1 ? String.format("pfn %#x %s", page[0], what) : what));
                }
            }
            Checks.that(cachePfn >= 0 && copyPfn >= 0 && cachePfn != copyPfn,
                    "write=0 returns the page-cache page and write=1 force=1 a private copy");

            out.step("what each call gave");
            out.line("write force  result           faults cow-copies  page returned");
            table.forEach(out::line);

            out.step("the debugger writes through the page write=1 force=1 returned (as access_process_vm does)");
            long kaddr = m.kernel().highmem().kmap(cpu, copyPfn);
            byte[] poke = UserProcess.cstring(POKED);
            cpu.write(kaddr, poke, 0, poke.length);
            out.line("kmap(page) = %#x; memcpy(%#x, \"%s\", %d); kunmap(page)", kaddr, kaddr, POKED, poke.length);
            m.kernel().highmem().kunmap(cpu, copyPfn);
            // set_page_dirty_lock(): lock_page, set_page_dirty, unlock_page (mm/page-writeback.c).
            Checks.that(m.kernel().pages().trylockPage(copyPfn), "lock_page of a page nobody else holds");
            m.kernel().pages().setPageDirty(copyPfn);
            m.kernel().pages().unlockPage(copyPfn);
            out.line("set_page_dirty_lock(page)");
            for (long pfn : held) {
                gup.pageCacheRelease(cpu, pfn);
                out.line("page_cache_release(pfn %#x)", pfn);
            }
            out.detail("copy:       %s", PageView.of(m, copyPfn));
            out.detail("page cache: %s", PageView.of(m, cachePfn));

            out.step("afterwards");
            String seen = p.loadString(addr, 64);
            out.line("the task reads %#x: \"%s\"", addr, seen);
            out.detail(p.pteLine(addr) + (p.pfn(addr) == copyPfn ? " (its private copy, still read-only)" : ""));
            Checks.equal(seen, POKED, "what the task sees");
            byte[] buf = new byte[64];
            long n = m.kernel().fs().filemap().read(cpu, inode, 0, buf, 0, buf.length);
            String fileNow = UserProcess.string(buf);
            out.line("read(fd, buf, 64) = %d: \"%s\"", n, fileNow);
            byte[] cached = new byte[64];
            m.memory().read(cachePfn << m.pageShift(), cached, 0, cached.length);
            boolean dirty = (m.pageFrames().flags(cachePfn) & PageFlags.PG_DIRTY) != 0;
            out.line("the page-cache page (pfn %#x) holds \"%s\", %s", cachePfn, UserProcess.string(cached),
                    dirty ? "DIRTY" : "clean: nothing to write back");
            Checks.equal(fileNow, ORIGINAL, "the file after the forced write");
            Checks.that(!dirty, "the page-cache page stays clean");

            out.step("the task exits");
            m.scheduler().doExit(cpu, 0);
            long freeAfter = UserProcess.freePages(m);
            out.line("drain_all_pages(); nr_free_pages() = %d before the task, %d after its exit (the file's page stays cached: %d)",
                    freeBefore, freeAfter, freeBefore - freeAfter);
            Checks.equal(freeBefore - freeAfter, 1, "pages still in use after exit (the page cache's one)");
        }
    }

    static String errno(long ret) {
        return ret == -Errno.EFAULT ? "-EFAULT" : ret == -Errno.ENOMEM ? "-ENOMEM" : ret == -Errno.EINVAL ? "-EINVAL" : "-" + (-ret);
    }
}
