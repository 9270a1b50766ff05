package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_LONGTERM;
import static org.kmemu.core.mm.memory.FollFlags.FOLL_WRITE;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneType;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.vma.Mman;

/**
 * FOLL_LONGTERM's refusals and counts, and get_user_pages' -ENOMEM, on the real address spaces of the x86_64,
 * i386 and e500 stand-ins.
 */
class GupLongtermAndEnomemTest {
    private static final long U = 0x10000000L;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private static RealMm boot(String arch) {
        return new RealMm(UserMmFixture.bootMachine(arch));
    }

    private static long pin(RealMm r, long start, long n, int flags, long[] out) {
        r.mm.mmapLock().readLock();
        try {
            return r.um.gup().pinUserPages(r.cpu, start, n, flags, out);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
    }

    private static long get(RealMm r, long start, long n, int flags, long[] out) {
        r.mm.mmapLock().readLock();
        try {
            return r.um.gup().getUserPages(r.cpu, start, n, flags, out);
        } finally {
            r.mm.mmapLock().readUnlock();
        }
    }

    /**
     * mm/gup.c check_vma_flags → writable_file_mapping_allowed (6.5+): FOLL_PIN | FOLL_LONGTERM for write of a
     * shared writable file mapping whose file writes back (vma_needs_dirty_tracking) is -EFAULT, since the
     * device could write the page after writeback cleaned it. gup-fast refuses the same page in
     * gup_fast_folio_allowed (a file folio, not anon, not shmem), falls back to the slow path, which refuses.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aLongTermWritePinOfASharedWritableFileMappingIsEfaultSlowAndFast(String arch) {
        RealMm r = boot(arch);
        Inode file = r.file("/longterm-" + arch, 2);
        long a = r.mmap(U, 2 * r.page, RW, Mman.MAP_SHARED | Mman.MAP_FIXED, file, 0);
        assertThat(a).isEqualTo(U);
        r.store(a, 1); // both PTEs present and writable: gup-fast could take them if it did not check
        r.store(a + r.page, 2);
        long p0 = r.pfn(a);
        long p1 = r.pfn(a + r.page);
        assertThat(r.m.kernel().pages().pageAnon(p0)).as("the page cache's page").isFalse();
        int refs0 = r.refs(p0);
        int refs1 = r.refs(p1);
        long[] out = new long[2];

        assertThat(pin(r, a, 2, FOLL_WRITE | FOLL_LONGTERM, out)).as("pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)")
                .isEqualTo(-Errno.EFAULT);
        assertThat(r.um.gup().pinUserPagesFast(r.cpu, a, 2, FOLL_WRITE | FOLL_LONGTERM, out))
                .as("pin_user_pages_fast: gup-fast refuses the file page, the slow path says why").isEqualTo(-Errno.EFAULT);
        assertThat(r.mm.mmapLock().isLocked()).isFalse();
        assertThat(r.refs(p0)).as("nothing pinned").isEqualTo(refs0);
        assertThat(r.refs(p1)).isEqualTo(refs1);
        assertThat(r.m.kernel().pages().pageMaybeDmaPinned(p0)).isFalse();

        // What the rule does not refuse: a short-term write pin, a long-term read pin (no FOLL_WRITE).
        assertThat(pin(r, a, 2, FOLL_WRITE, out)).isEqualTo(2);
        r.um.gup().unpinUserPages(r.cpu, out, 2);
        assertThat(pin(r, a, 2, FOLL_LONGTERM, out)).isEqualTo(2);
        r.um.gup().unpinUserPages(r.cpu, out, 2);
        assertThat(r.um.gup().pinUserPagesFast(r.cpu, a, 2, FOLL_WRITE, out)).as("fast, short-term").isEqualTo(2);
        r.um.gup().unpinUserPages(r.cpu, out, 2);
        assertThat(r.refs(p0)).isEqualTo(refs0);
        assertThat(r.refs(p1)).isEqualTo(refs1);

        r.exitCurrent();
        assertThat(r.freeDelta(file)).as("every page back").isZero();
    }

    /**
     * gup_fast_fallback: pages gup-fast took before the one it refused stay pinned and are returned when the
     * slow path fails for the rest ("if (nr_pinned) return nr_pinned"): an anonymous page, then the file page.
     * A private file mapping and shared anonymous memory (shmem in Linux, no dirty tracking) are allowed.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void pinUserPagesFastReturnsWhatItPinnedBeforeTheRefusedFilePage(String arch) {
        RealMm r = boot(arch);
        Inode file = r.file("/longterm2-" + arch, 1);
        assertThat(r.anon(U, 1)).isEqualTo(U);
        assertThat(r.mmap(U + r.page, r.page, RW, Mman.MAP_SHARED | Mman.MAP_FIXED, file, 0)).isEqualTo(U + r.page);
        assertThat(r.mmap(U + 2 * r.page, r.page, RW, Mman.MAP_PRIVATE | Mman.MAP_FIXED, file, 0)).isEqualTo(U + 2 * r.page);
        assertThat(r.mmap(U + 3 * r.page, r.page, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0))
                .isEqualTo(U + 3 * r.page);
        for (int i = 0; i < 4; i++) {
            r.store(U + i * r.page, i);
        }
        long anon = r.pfn(U);
        long[] out = new long[4];
        assertThat(r.um.gup().pinUserPagesFast(r.cpu, U, 2, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(1);
        assertThat(out[0]).isEqualTo(anon);
        assertThat(r.m.kernel().pages().pageMaybeDmaPinned(anon)).isTrue();
        r.um.gup().unpinUserPage(r.cpu, out[0]);
        assertThat(pin(r, U, 2, FOLL_WRITE | FOLL_LONGTERM, out)).as("the slow path too: the pages before the hole")
                .isEqualTo(1);
        r.um.gup().unpinUserPage(r.cpu, out[0]);

        assertThat(r.um.gup().pinUserPagesFast(r.cpu, U + 2 * r.page, 2, FOLL_WRITE | FOLL_LONGTERM, out))
                .as("a private file mapping's written page is anonymous; shared anonymous memory tracks no dirt").isEqualTo(2);
        r.um.gup().unpinUserPages(r.cpu, out, 2);

        r.exitCurrent();
        assertThat(r.freeDelta(file)).as("every page back").isZero();
    }

    /**
     * The ZONE_MOVABLE long-term pin counter (Gup#longtermUnpinnable: the pages Linux's
     * check_and_migrate_movable_folios would have migrated out before pinning, mm/gup.c). No machine config can
     * populate ZONE_MOVABLE (no kernelcore=/movablecore=), so the test relabels one user page's zone, pins it
     * and puts its zone back before it is freed. gup-fast must not take such a page for a long-term pin
     * (try_grab_folio_fast: !folio_is_longterm_pinnable → NULL) but leave it to the slow path, which counts it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void longTermPinsOfZoneMovablePagesAreCountedOnBothPaths(String arch) {
        RealMm r = boot(arch);
        Gup gup = r.um.gup();
        assertThat(r.anon(U, 2)).isEqualTo(U);
        r.store(U, 1);
        r.store(U + r.page, 2);
        long[] out = new long[2];
        long start = gup.longtermUnpinnable();
        assertThat(pin(r, U, 2, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(2);
        gup.unpinUserPages(r.cpu, out, 2);
        assertThat(gup.longtermUnpinnable()).as("pages outside ZONE_MOVABLE are long-term pinnable").isEqualTo(start);

        long movable = r.pfn(U);
        PageFrames frames = r.m.pageFrames();
        ZoneType zone = PageFlags.zone(frames.flags(movable));
        frames.setZone(movable, movable + 1, ZoneType.MOVABLE);
        try {
            assertThat(pin(r, U, 2, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(2);
            gup.unpinUserPages(r.cpu, out, 2);
            assertThat(gup.longtermUnpinnable()).as("one ZONE_MOVABLE page, slow path").isEqualTo(start + 1);
            assertThat(pin(r, U, 2, FOLL_WRITE, out)).isEqualTo(2);
            gup.unpinUserPages(r.cpu, out, 2);
            assertThat(gup.longtermUnpinnable()).as("a short-term pin may take a ZONE_MOVABLE page").isEqualTo(start + 1);
            assertThat(gup.pinUserPagesFast(r.cpu, U, 2, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(2);
            assertThat(out[0]).isEqualTo(movable);
            gup.unpinUserPages(r.cpu, out, 2);
            assertThat(gup.longtermUnpinnable()).as("pin_user_pages_fast: gup-fast leaves it to the slow path, which counts it")
                    .isEqualTo(start + 2);
            assertThat(gup.getUserPagesFast(r.cpu, U, 2, FOLL_WRITE, out)).isEqualTo(2);
            gup.putPage(r.cpu, out[0]);
            gup.putPage(r.cpu, out[1]);
            assertThat(gup.longtermUnpinnable()).as("a plain reference is no pin").isEqualTo(start + 2);
        } finally {
            frames.setZone(movable, movable + 1, zone);
        }
        r.exitCurrent();
        assertThat(r.freeDelta()).as("every page back").isZero();
    }

    /**
     * get_user_pages' -ENOMEM in kmemu: the fault GUP takes for an absent page cannot allocate
     * (do_anonymous_page → VM_FAULT_OOM, mm/memory.c), and faultin_page's vm_fault_to_errno makes it -ENOMEM
     * (include/linux/mm.h). The other source, try_grab_folio's refcount check, cannot fail on a page a
     * present PTE maps (its refcount is at least 1). With the pages before it taken, GUP returns their number.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void getUserPagesIsEnomemWhenTheFaultCannotAllocateAndPartialBeforeIt(String arch) {
        RealMm r = boot(arch);
        assertThat(r.anon(U, 2)).isEqualTo(U);
        r.store(U, 7); // page 0 present (and its page table), page 1 not
        long p0 = r.pfn(U);
        int refs0 = r.refs(p0);
        List<long[]> held = exhaust(r);
        long[] out = new long[2];
        try {
            assertThat(get(r, U + r.page, 1, FOLL_WRITE, out)).as("no page for the fault").isEqualTo(-Errno.ENOMEM);
            assertThat(get(r, U, 2, FOLL_WRITE, out)).as("the page before the failure").isEqualTo(1);
            assertThat(out[0]).isEqualTo(p0);
            r.um.gup().putPage(r.cpu, out[0]);
            assertThat(pin(r, U + r.page, 1, FOLL_WRITE | FOLL_LONGTERM, out)).isEqualTo(-Errno.ENOMEM);
            assertThat(r.um.gup().pinUserPagesFast(r.cpu, U + r.page, 1, FOLL_WRITE, out)).as("gup-fast falls back, the fault fails")
                    .isEqualTo(-Errno.ENOMEM);
            assertThat(r.pfn(U + r.page)).as("nothing mapped").isEqualTo(-1);
        } finally {
            for (long[] h : held) {
                r.m.kernel().pages().freePages(r.cpu, h[0], (int) h[1]);
            }
        }
        assertThat(r.refs(p0)).isEqualTo(refs0);
        assertThat(get(r, U, 2, FOLL_WRITE, out)).as("with memory back").isEqualTo(2);
        r.um.gup().putPage(r.cpu, out[0]);
        r.um.gup().putPage(r.cpu, out[1]);
        r.exitCurrent();
        assertThat(r.freeDelta()).as("every page back").isZero();
    }

    /** Takes every page a user fault could get, largest blocks first. */
    private static List<long[]> exhaust(RealMm r) {
        List<long[]> held = new ArrayList<>();
        int gfp = Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_NOWARN;
        for (int order = r.m.pageAllocator().maxOrder(); order >= 0; order--) {
            long pfn;
            while ((pfn = r.m.kernel().pages().allocPages(r.cpu, gfp, order)) != PageAllocator.NO_PFN) {
                held.add(new long[] {pfn, order});
            }
        }
        assertThat(r.m.kernel().pages().allocPages(r.cpu, gfp, 0)).as("exhausted").isEqualTo(PageAllocator.NO_PFN);
        return held;
    }
}
