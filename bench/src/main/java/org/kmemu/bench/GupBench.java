package org.kmemu.bench;

import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FollFlags;
import org.kmemu.core.mm.memory.Gup;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The get_user_pages family on {@value #PAGES} present pages of a real process (an mm from
 * {@code kernel().memory()}, a private anonymous mapping made by mmap with MAP_POPULATE and written by the
 * task), per page, as Linux's gup_test (tools/testing/selftests/mm/gup_test.c) measures it: the mmap lock
 * taken for read once, {@code get_user_pages(FOLL_WRITE)} of all pages, then {@code put_page} of each;
 * {@code pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)} then {@code unpin_user_pages}; and
 * {@code get_user_pages_fast} (no mmap lock) then put_page. Target: under 40 ns a page (Linux pins about
 * 60 ns a page). The peer is what cannot be avoided: get_page/put_page over the same {@value #PAGES} frames,
 * with no page-table walk. Measured on the 2-core box (quiet, -f 1 -wi 3 -i 3, ns a page), after GUP learned to
 * walk to a last-level table once per table and to follow a table's run of present pages under one hold of
 * the page-table lock (before: 56 / 60 / 41 on x86_64):
 * <pre>
 *                         x86_64  i386  booke
 * get_user_pages+put_page   30     37    39
 * pin+unpin                 32     31    37
 * gup_fast+put_page         20     20    25
 * peer get_page/put_page    14     15    16
 * </pre>
 */
@State(Scope.Thread)
public class GupBench extends BenchBase {
    private static final int PAGES = 512;
    private static final long USER = 0x10000000L;

    /** The architecture. */
    @Param({"x86_64", "i386", "booke"})
    public String arch;

    private Cpu cpu;
    private Mm mm;
    private Gup gup;
    private PageApi pages;
    private final long[] out = new long[PAGES];
    private long[] pfns;

    /** Boots, makes a process with {@value #PAGES} written pages and runs CPU 0 on it. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot(arch);
        cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        mm = um.mmAlloc(cpu);
        Task t = m.scheduler().createUserTask("gup_test", mm);
        m.scheduler().contextSwitch(cpu, t);
        long page = 1L << m.pageShift();
        long a = um.mmap().vmMmapPgoff(cpu, mm, USER, PAGES * page, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED | Mman.MAP_POPULATE, null, 0);
        if (a != USER) {
            throw new IllegalStateException("mmap: " + a);
        }
        cpu.setUserMode(true);
        for (int i = 0; i < PAGES; i++) {
            cpu.store32(USER + i * page, i);
        }
        cpu.setUserMode(false);
        gup = um.gup();
        pages = m.kernel().pages();
        mm.mmapLock().readLock();
        long n = gup.getUserPages(cpu, USER, PAGES, FollFlags.FOLL_WRITE, out);
        mm.mmapLock().readUnlock();
        if (n != PAGES) {
            throw new IllegalStateException("get_user_pages: " + n);
        }
        pfns = out.clone();
        for (long pfn : pfns) {
            pages.putPage(cpu, pfn);
        }
    }

    /** @return the last frame: get_user_pages(FOLL_WRITE) of every page under the mmap lock, then put_page */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long getUserPagesPutPage() {
        mm.mmapLock().readLock();
        long n;
        try {
            n = gup.getUserPages(cpu, USER, PAGES, FollFlags.FOLL_WRITE, out);
        } finally {
            mm.mmapLock().readUnlock();
        }
        for (int i = 0; i < n; i++) {
            gup.putPage(cpu, out[i]);
        }
        return out[PAGES - 1];
    }

    /** @return the last frame: pin_user_pages(FOLL_WRITE | FOLL_LONGTERM) then unpin_user_pages */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long pinUnpin() {
        mm.mmapLock().readLock();
        long n;
        try {
            n = gup.pinUserPages(cpu, USER, PAGES, FollFlags.FOLL_WRITE | FollFlags.FOLL_LONGTERM, out);
        } finally {
            mm.mmapLock().readUnlock();
        }
        gup.unpinUserPages(cpu, out, (int) n);
        return out[PAGES - 1];
    }

    /** @return the last frame: get_user_pages_fast(FOLL_WRITE) without the mmap lock, then put_page */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long getUserPagesFastPutPage() {
        long n = gup.getUserPagesFast(cpu, USER, PAGES, FollFlags.FOLL_WRITE, out);
        for (int i = 0; i < n; i++) {
            gup.putPage(cpu, out[i]);
        }
        return out[PAGES - 1];
    }

    /** @return the last frame: the peer, get_page and put_page of the same frames */
    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long getPagePutPage() {
        for (int i = 0; i < PAGES; i++) {
            pages.getPage(cpu, pfns[i]);
        }
        for (int i = 0; i < PAGES; i++) {
            pages.putPage(cpu, pfns[i]);
        }
        return pfns[PAGES - 1];
    }
}
