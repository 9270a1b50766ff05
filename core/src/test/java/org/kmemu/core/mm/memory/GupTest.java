package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.KernelBugException;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.TestMachines;

/**
 * The get_user_pages loop against a small fault handler of the test's own (anonymous demand paging and the
 * FOLL_FORCE private copy), so that the loop's rules are tested apart from mm/memory.c's.
 */
class GupTest {
    private static final long MB = 1L << 20;
    private static final long BASE = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
            | VmFlags.VM_MAYEXEC;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void pinsEveryPageAndUnpinBringsTheCountsBack(String arch) {
        GupRig r = new GupRig(arch);
        r.map(BASE, 8, RW, null);
        long[] out = new long[8];
        r.mm.mmapLock().readLock();
        long n = r.gup.pinUserPages(r.cpu, BASE, 8, FollFlags.FOLL_WRITE, out);
        r.mm.mmapLock().readUnlock();
        assertThat(n).isEqualTo(8);
        for (long pfn : out) {
            assertThat(r.refcount(pfn)).as("the mapping's reference + GUP_PIN_COUNTING_BIAS").isEqualTo(1 + 1024);
            assertThat(r.pages.pageMaybeDmaPinned(pfn)).isTrue();
        }
        assertThat(r.mm.hasPinned()).as("MMF_HAS_PINNED").isTrue();
        r.gup.unpinUserPagesDirtyLock(r.cpu, out, 8, true);
        for (long pfn : out) {
            assertThat(r.refcount(pfn)).isEqualTo(1);
            assertThat(r.m.pageFrames().flags(pfn) & PageFlags.PG_DIRTY).isNotZero();
        }
        r.teardown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aHoleEndsTheWalkWithThePagesTakenBeforeIt(String arch) {
        GupRig r = new GupRig(arch);
        r.map(BASE, 4, RW, null);
        long[] out = new long[8];
        r.mm.mmapLock().readLock();
        long n = r.gup.getUserPages(r.cpu, BASE, 8, FollFlags.FOLL_WRITE, out);
        long none = r.gup.getUserPages(r.cpu, BASE + (4L << r.m.pageShift()), 2, FollFlags.FOLL_WRITE, out);
        r.mm.mmapLock().readUnlock();
        assertThat(n).as("the four pages before the hole; the caller releases them").isEqualTo(4);
        assertThat(none).as("nothing at all: the errno").isEqualTo(-Errno.EFAULT);
        for (int i = 0; i < 4; i++) {
            assertThat(r.refcount(out[i])).isEqualTo(2);
            r.gup.putPage(r.cpu, out[i]);
        }
        r.teardown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aFaultThatDropsTheLockIsRetriedOnceWithFollTried(String arch) {
        GupRig r = new GupRig(arch);
        r.map(BASE, 4, RW, null);
        r.faults.retryOnceAt = BASE + (2L << r.m.pageShift());
        long[] out = new long[4];
        long n = r.gup.getUserPagesUnlocked(r.cpu, BASE, 4, out, FollFlags.FOLL_WRITE);
        assertThat(n).isEqualTo(4);
        assertThat(r.mm.mmapLock().isLocked()).as("released at the end").isFalse();
        assertThat(r.faults.flagsSeen).hasSize(5);
        assertThat(r.faults.flagsSeen.get(2) & FaultFlags.FAULT_FLAG_ALLOW_RETRY).isNotZero();
        assertThat(r.faults.flagsSeen.get(3) & FaultFlags.FAULT_FLAG_TRIED).as("the retry").isNotZero();
        assertThat(r.faults.flagsSeen.get(4) & FaultFlags.FAULT_FLAG_TRIED).as("the next page is a fresh walk").isZero();
        for (long pfn : out) {
            r.gup.putPage(r.cpu, pfn);
        }
        r.teardown();
    }

    @Test
    void getUserPagesLockedReportsThatTheLockWasDropped() {
        GupRig r = new GupRig("x86_64");
        r.map(BASE, 2, RW, null);
        r.faults.retryOnceAt = BASE;
        long[] out = new long[2];
        int[] locked = {1};
        r.mm.mmapLock().readLock();
        long n = r.gup.getUserPagesLocked(r.cpu, BASE, 2, 0, out, locked);
        assertThat(n).isEqualTo(2);
        assertThat(locked[0]).as("*locked = 0: the caller must not unlock").isZero();
        assertThat(r.mm.mmapLock().heldByCaller()).isFalse();
        r.gup.putPage(r.cpu, out[0]);
        r.gup.putPage(r.cpu, out[1]);
        r.teardown();
    }

    @Test
    void withoutTheMmapLockMmapAssertLockedWarns() {
        GupRig r = new GupRig("i386");
        r.map(BASE, 1, RW, null);
        int before = r.m.log().texts().size();
        long[] out = new long[1];
        assertThat(r.gup.getUserPages(r.cpu, BASE, 1, 0, out)).isEqualTo(1);
        List<String> added = r.m.log().texts().subList(before, r.m.log().texts().size());
        assertThat(added).anyMatch(l -> l.contains("WARNING: CPU: 0 PID: " + r.task.pid() + " at include/linux/rwsem.h"));
        r.gup.putPage(r.cpu, out[0]);
        r.teardown();
    }

    @Test
    void vmaFlagsRefuseWhatLinuxRefuses() {
        GupRig r = new GupRig("x86_64");
        long page = 1L << r.m.pageShift();
        r.map(BASE, 1, RW | VmFlags.VM_IO | VmFlags.VM_PFNMAP, null);
        Vma ro = r.map(BASE + 2 * page, 1, VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE, null);
        r.map(BASE + 4 * page, 1, VmFlags.VM_READ | VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE | VmFlags.VM_MAYREAD
                | VmFlags.VM_MAYWRITE, null);
        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        assertThat(r.gup.getUserPages(r.cpu, BASE, 1, 0, out)).as("VM_IO | VM_PFNMAP").isEqualTo(-Errno.EFAULT);
        assertThat(r.gup.getUserPages(r.cpu, BASE + 2 * page, 1, FollFlags.FOLL_WRITE, out)).as("read-only, no force")
                .isEqualTo(-Errno.EFAULT);
        assertThat(r.gup.getUserPages(r.cpu, BASE + 4 * page, 1, FollFlags.FOLL_WRITE | FollFlags.FOLL_FORCE, out))
                .as("force on a shared mapping would write the file").isEqualTo(-Errno.EFAULT);
        int before = r.m.log().texts().size();
        assertThat(r.gup.getUserPages(r.cpu, BASE + 2 * page, 1, FollFlags.FOLL_LONGTERM, out))
                .as("FOLL_LONGTERM with a plain reference").isEqualTo(-Errno.EINVAL);
        assertThat(r.m.log().texts().subList(before, r.m.log().texts().size()))
                .anyMatch(l -> l.contains("mm/gup.c is_valid_gup_args"));
        assertThat(r.gup.getUserPages(r.cpu, BASE + 2 * page, 1, FollFlags.FOLL_PIN, out)).as("internal flag")
                .isEqualTo(-Errno.EINVAL);
        r.mm.mmapLock().readUnlock();
        assertThat(ro.flags() & VmFlags.VM_WRITE).isZero();
        r.teardown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void forceWritesAPrivateCopyOfAReadOnlyMapping(String arch) {
        GupRig r = new GupRig(arch);
        r.map(BASE, 1, VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE, null);
        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        assertThat(r.gup.getUserPages(r.cpu, BASE, 1, 0, out)).isEqualTo(1);
        assertThat(out[0]).as("a read fault maps the zero page").isEqualTo(r.zeroPfn);
        r.gup.putPage(r.cpu, out[0]);
        long n = r.gup.getUserPages(r.cpu, BASE, 1, FollFlags.FOLL_WRITE | FollFlags.FOLL_FORCE, out);
        r.mm.mmapLock().readUnlock();
        assertThat(n).isEqualTo(1);
        assertThat(out[0]).as("a private copy, not the zero page").isNotEqualTo(r.zeroPfn);
        assertThat(r.tables.flags(r.pte(BASE)) & PteFlags.WRITE).as("still read-only for the task").isZero();
        assertThat(r.pages.pageAnon(out[0])).isTrue();
        r.gup.putPage(r.cpu, out[0]);
        r.teardown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void gupFastTakesPresentPagesWithoutFaultingAndFallsBackForTheRest(String arch) {
        GupRig r = new GupRig(arch);
        r.map(BASE, 4, RW, null);
        long[] out = new long[4];
        r.mm.mmapLock().readLock();
        assertThat(r.gup.getUserPages(r.cpu, BASE, 2, FollFlags.FOLL_WRITE, out)).isEqualTo(2);
        r.mm.mmapLock().readUnlock();
        r.gup.putPage(r.cpu, out[0]);
        r.gup.putPage(r.cpu, out[1]);
        int faultsBefore = r.faults.calls;
        long n = r.gup.pinUserPagesFast(r.cpu, BASE, 4, FollFlags.FOLL_WRITE, out);
        assertThat(n).isEqualTo(4);
        assertThat(r.faults.calls - faultsBefore).as("only the two absent pages fault").isEqualTo(2);
        assertThat(r.mm.mmapLock().isLocked()).isFalse();
        r.gup.unpinUserPages(r.cpu, out, 4);
        assertThat(r.gup.getUserPagesFast(r.cpu, r.m.layout().taskSize() - 4096, 2, 0, out))
                .as("past TASK_SIZE").isEqualTo(-Errno.EFAULT);
        r.teardown();
    }

    @Test
    void theOldShapeFillsVmasAndPageCacheReleaseDropsTheReference() {
        GupRig r = new GupRig("i386");
        Vma v = r.map(BASE, 3, RW, null);
        long[] out = new long[3];
        Vma[] vmas = new Vma[3];
        r.mm.mmapLock().readLock();
        int n = r.gup.getUserPages26(r.cpu, r.task, r.mm, BASE + 5, 3, true, false, out, vmas);
        r.mm.mmapLock().readUnlock();
        assertThat(n).isEqualTo(3);
        assertThat(vmas).containsOnly(v);
        for (long pfn : out) {
            assertThat(r.refcount(pfn)).isEqualTo(2);
            r.gup.pageCacheRelease(r.cpu, pfn);
            assertThat(r.refcount(pfn)).isEqualTo(1);
        }
        r.teardown();
    }

    @Test
    void aHandlerThatNeverMapsThePageIsReportedNotLoopedOn() {
        GupRig r = new GupRig("x86_64");
        r.map(BASE, 1, RW, null);
        Gup stuck = new Gup(r.tables, r.pages, r.m.pageFrames(), (cpu, mm, vma, a, f) -> 0, r.zeroPfn,
                r.m.layout().taskSize(), r.m.log());
        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        assertThatThrownBy(() -> stuck.getUserPages(r.cpu, BASE, 1, 0, out)).isInstanceOf(KernelBugException.class)
                .hasMessageContaining("no progress");
        r.mm.mmapLock().readUnlock();
        r.teardown();
    }

    @Test
    void fileVmaNeverGetsAnonOnlyPages() {
        GupRig r = new GupRig("x86_64");
        r.map(BASE, 1, RW, new VmFile("/data", 8, 1, 12));
        long[] out = new long[1];
        r.mm.mmapLock().readLock();
        assertThat(r.gup.getUserPages(r.cpu, BASE, 1, FollFlags.FOLL_ANON, out)).isEqualTo(-Errno.EFAULT);
        r.mm.mmapLock().readUnlock();
        assertThat(new AnonVma(1).id()).isEqualTo(1);
        r.teardown();
    }
}
