package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.core.mm.memory.UserMmFixture.RO;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.PageFaultException;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.SigInfo;

/** The architecture's handler: signals, access_error, stack expansion, kernel-mode faults and uaccess through an mm. */
class UserFaultHandlerTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void noVmaIsSegvMaperrAndNoPermissionIsSegvAccerrAndTheMachineGoesOn(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        assertThat(f.m.mmu().pageFaultHandler()).as("boot installs it").isSameAs(f.um.faultHandler());
        f.map(U, f.page, RO);
        assertThatThrownBy(() -> f.load(U + 5 * f.page)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGSEGV, SigInfo.SEGV_MAPERR, U + 5 * f.page)));
        assertThatThrownBy(() -> f.store(U + 8, 1)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGSEGV, SigInfo.SEGV_ACCERR, U + 8)));
        assertThat(f.task.takePendingSignal()).isEqualTo(new SigInfo(SigInfo.SIGSEGV, SigInfo.SEGV_ACCERR, U + 8));
        assertThat(f.cpu.userMode()).isFalse();
        assertThat(f.load(U + 8)).as("a good access after a bad one").isZero();
        assertThat(f.mm.mmapLock().isLocked()).isFalse();
        assertThat(f.m.log().lines()).noneMatch(l -> l.text().contains("BUG"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void anInstructionFetchNeedsVmExec(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, f.page, RW);
        f.map(U + f.page, f.page, RO | VmFlags.VM_EXEC);
        assertThatThrownBy(() -> f.user(() -> f.cpu.fetch32(U))).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal().code()).isEqualTo(SigInfo.SEGV_ACCERR));
        f.user(() -> assertThat(f.cpu.fetch32(U + f.page)).isZero());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aStackGrowsDownButNotIntoTheGuardGap(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        long top = 0x40000000L;
        long gap = (long) MmapLayout.STACK_GUARD_GAP_PAGES * f.page;
        Vma stack = f.map(top - 4 * f.page, 4 * f.page, RW | VmFlags.VM_GROWSDOWN);
        long below = top - 4 * f.page - 10 * f.page;
        f.store(below + 4, 42);
        assertThat(stack.start()).as("expand_downwards").isEqualTo(below);
        assertThat(f.load(below + 4)).isEqualTo(42);
        // A mapping just under the stack: the stack may not grow within stack_guard_gap of it.
        long low = below - gap - 4 * f.page;
        f.map(low, f.page, RW);
        assertThatThrownBy(() -> f.store(low + f.page + f.page, 1)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal().code()).isEqualTo(SigInfo.SEGV_MAPERR));
        assertThat(stack.start()).isEqualTo(below);
        f.store(low + gap + f.page, 2); // exactly stack_guard_gap above the mapping's end
        assertThat(stack.start()).isEqualTo(low + gap + f.page);
        assertThat(f.mm.mmapLock().isLocked()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aKernelModeFaultOutsideUaccessIsTheOopsAndInsideItAShortCopy(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 2 * f.page, RW);
        long kbuf = f.m.kernel().pages().getFreePages(f.cpu, Gfp.GFP_KERNEL, 1);
        for (int i = 0; i < 2 * f.page; i += 4) {
            f.cpu.store32(kbuf + i, i);
        }
        // copy_to_user faults both pages in; the copy that runs past the VMA stops at its end.
        assertThat(f.m.kernel().uaccess().copyToUser(f.cpu, U, kbuf, 2 * f.page)).isZero();
        assertThat(f.load(U + f.page + 8)).isEqualTo((int) f.page + 8);
        assertThat(f.m.kernel().uaccess().copyToUser(f.cpu, U + f.page + 16, kbuf, f.page)).as("bytes not copied")
                .isEqualTo(16);
        assertThat(f.mm.rss()).isEqualTo(2);
        // access_error in kernel mode: copy_to_user into a read-only VMA copies nothing.
        f.map(U + 4 * f.page, f.page, RO);
        assertThat(f.m.kernel().uaccess().copyToUser(f.cpu, U + 4 * f.page, kbuf, 64)).isEqualTo(64);
        assertThat(f.pte(U + 4 * f.page)).isZero();
        assertThat(f.task.pendingSignal()).as("no signal for a kernel-mode fault").isNull();
        // A kernel access to a user address with no VMA outside a uaccess helper: the oops.
        f.cpu.userAccessBegin();
        try {
            assertThatThrownBy(() -> f.cpu.load32(U + 10 * f.page)).isInstanceOf(PageFaultException.class);
        } finally {
            f.cpu.userAccessEnd();
        }
        assertThat(f.mm.mmapLock().isLocked()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aKernelThreadHasNoMmAndItsFaultsAreBadAreas(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, f.page, RW);
        f.m.scheduler().contextSwitch(f.cpu, f.m.scheduler().kthreadCreate("kworker"));
        long kbuf = f.m.kernel().pages().getFreePages(f.cpu, Gfp.GFP_KERNEL, 0);
        assertThat(f.m.kernel().uaccess().copyToUser(f.cpu, U, kbuf, 8)).as("no mm: bad_area_nosemaphore").isEqualTo(8);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aUserModeOutOfMemoryKillsTheTask(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        VmOperations oom = vmf -> VmFaultCodes.VM_FAULT_OOM;
        f.map(U, f.page, RO, 0, new VmFile("/oom", 8, 1, 3, oom));
        assertThatThrownBy(() -> f.load(U)).isInstanceOfSatisfying(UserFaultSignal.class,
                e -> assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGKILL, SigInfo.SI_KERNEL, 0)));
        long kbuf = f.m.kernel().pages().getFreePages(f.cpu, Gfp.GFP_KERNEL, 0);
        assertThat(f.m.kernel().uaccess().copyFromUser(f.cpu, kbuf, U, 8)).as("kernel mode: fixed up").isEqualTo(8);
    }
}
