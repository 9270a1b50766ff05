package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Access;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.Page64kTestArch;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.UserPages;

/**
 * The fault path of the CPU's slow path on the core's test machines: which faults reach the page-fault
 * handler and with what, RETRY after the handler maps a page, the exception-table fixup inside the
 * window, and the oops everywhere else. x86_64-like, i386-like and an e500-like machine (software TLB
 * refill, lowmem pinned), all with SMAP; a 64 KiB-page machine without SMAP.
 */
class PageFaultHandlerTest {
    /** A user address below TASK_SIZE on every test machine, nothing mapped there at boot. */
    private static final long U = 0x10000000L;

    static Stream<String> machines() {
        return Stream.of("x86_64", "i386", "e500-like");
    }

    private static Machine boot(String name) {
        return switch (name) {
            case "x86_64" -> TestMachines.x86_64(1L << 30);
            case "i386" -> TestMachines.i386(1L << 30);
            default -> TestMachines.boot(new I386TestArch(true), 1L << 30, 2);
        };
    }

    /** One call of the handler, with the CPU's windows as the handler saw them. */
    record Call(Cpu cpu, long address, Access access, boolean userMode, int errorCode, boolean stac, boolean fixup) {
    }

    /** A handler that records its calls and maps a fresh user page (writable) at the faulting address. */
    private static final class MappingHandler implements PageFaultHandler {
        final List<Call> calls = new ArrayList<>();
        final UserPages pages;
        final long size;

        MappingHandler(Machine m) {
            this.pages = new UserPages(m, m.mmu().cpu(0));
            this.size = 1L << m.pageShift();
        }

        @Override
        public FaultResult handlePageFault(Cpu cpu, long address, Access access, boolean userMode, int errorCode) {
            calls.add(new Call(cpu, address, access, userMode, errorCode, cpu.userAccessOpen(), cpu.uaccessFixupAllowed()));
            pages.map(address & -size);
            return FaultResult.RETRY;
        }
    }

    private static void inUaccess(Cpu cpu, Runnable r) {
        cpu.userAccessBegin();
        cpu.uaccessFixupBegin();
        try {
            r.run();
        } finally {
            cpu.uaccessFixupEnd();
            cpu.userAccessEnd();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void withNoMmAFaultOopsesOutsideTheExceptionTableAndIsFixedUpInside(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        // Boot installs user memory's handler; the idle task has no mm, so every fault is a bad area, as NO_MM.
        assertThat(m.mmu().pageFaultHandler()).isSameAs(m.kernel().memory().faultHandler());
        assertThatThrownBy(() -> cpu.load64(U)).isInstanceOf(PageFaultException.class)
                .hasMessageContaining("BUG: unable to handle page fault for address:");

        cpu.userAccessBegin();
        cpu.uaccessFixupBegin();
        try {
            assertThatThrownBy(() -> cpu.store32(U + 4, 1)).isInstanceOf(FixupException.class).satisfies(e -> {
                assertThat(((FixupException) e).address()).isEqualTo(U + 4);
                assertThat(((FixupException) e).access()).isEqualTo(Access.WRITE);
            });
            assertThat(cpu.userAccessOpen()).as("the windows are restored after the fault").isTrue();
            assertThat(cpu.uaccessFixupAllowed()).isTrue();
            long kernel = m.layout().vmallocStart() + 0x200000;
            assertThatThrownBy(() -> cpu.load64(kernel)).as("a kernel address is a bad area too: fixed up, as "
                    + "copy_from_kernel_nofault relies on").isInstanceOf(FixupException.class);
        } finally {
            cpu.uaccessFixupEnd();
            cpu.userAccessEnd();
        }

        cpu.uaccessFixupBegin();
        try {
            assertThatThrownBy(() -> cpu.load64(U)).as("SMAP: a kernel access to user space without stac has no fixup")
                    .isInstanceOf(PageFaultException.class);
        } finally {
            cpu.uaccessFixupEnd();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void theHandlerMapsThePageAndTheAccessIsRetried(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        MappingHandler h = new MappingHandler(m);
        m.mmu().setPageFaultHandler(h);
        inUaccess(cpu, () -> cpu.store64(U + 8, 42));
        assertThat(h.calls).containsExactly(new Call(cpu, U + 8, Access.WRITE, false, 0x2, false, false));
        long walks = cpu.tlbStats().walks();
        inUaccess(cpu, () -> assertThat(cpu.load64(U + 8)).isEqualTo(42));
        assertThat(h.calls).as("mapped once, then a TLB hit").hasSize(1);
        assertThat(cpu.tlbStats().walks()).isEqualTo(walks);
        long phys = m.mmu().walk(cpu.root(), U).physical();
        assertThat(m.memory().readLong(phys + 8)).isEqualTo(42);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void aWriteProtectFaultOnAPresentPageGetsTheProtectionBitAndTheRetryWalksAgain(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        UserPages pages = new UserPages(m, cpu);
        long pfn = pages.map(U, org.kmemu.api.Gfp.GFP_KERNEL, 0);
        List<Call> calls = new ArrayList<>();
        m.mmu().setPageFaultHandler((c, address, access, user, code) -> {
            calls.add(new Call(c, address, access, user, code, c.userAccessOpen(), c.uaccessFixupAllowed()));
            pages.mapPfn(address & ~0xfffL, pfn, PteFlags.WRITE);
            return FaultResult.RETRY;
        });
        inUaccess(cpu, () -> assertThat(cpu.load64(U)).isZero());
        assertThat(calls).as("the read-only page reads without a fault").isEmpty();
        inUaccess(cpu, () -> cpu.store64(U, 7));
        assertThat(calls).extracting(Call::errorCode).as("X86_PF_PROT | X86_PF_WRITE").containsExactly(0x3);
        assertThat(m.memory().readLong(pfn << 12)).isEqualTo(7);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void theHandlerIsNotCalledForKernelAddressesNorWithPageFaultsDisabled(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        MappingHandler h = new MappingHandler(m);
        m.mmu().setPageFaultHandler(h);
        long kernel = m.layout().vmallocStart() + 0x200000;
        assertThatThrownBy(() -> cpu.load64(kernel)).isInstanceOf(PageFaultException.class);

        cpu.pagefaultDisable();
        try {
            inUaccess(cpu, () -> assertThatThrownBy(() -> cpu.load64(U)).as("pagefault_disable: fail fast")
                    .isInstanceOf(FixupException.class));
            assertThatThrownBy(() -> cpu.load64(U)).as("... and outside the exception table, the oops")
                    .isInstanceOf(PageFaultException.class);
        } finally {
            cpu.pagefaultEnable();
        }
        cpu.preemptDisable();
        try {
            inUaccess(cpu, () -> assertThatThrownBy(() -> cpu.load64(U)).as("in_atomic(): faulthandler_disabled()")
                    .isInstanceOf(FixupException.class));
        } finally {
            cpu.preemptEnable();
        }
        assertThat(h.calls).isEmpty();
        inUaccess(cpu, () -> cpu.load64(U));
        assertThat(h.calls).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void userModeFaultsReachTheHandlerWithTheUserBitAndAreNeverFixedUp(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        MappingHandler h = new MappingHandler(m);
        m.mmu().setPageFaultHandler(h);
        cpu.setUserMode(true);
        try {
            assertThat(cpu.load64(U + 16)).isZero();
            assertThat(h.calls).containsExactly(new Call(cpu, U + 16, Access.READ, true, 0x4, false, false));
            m.mmu().setPageFaultHandler(PageFaultHandler.NO_MM);
            cpu.uaccessFixupBegin();
            assertThatThrownBy(() -> cpu.load64(U + 0x100000)).as("the exception table is for kernel-mode accesses")
                    .isInstanceOf(PageFaultException.class);
        } finally {
            cpu.uaccessFixupEnd();
            cpu.setUserMode(false);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void aSignalEndsAUserAccessWithoutAnOopsAndIsAFixupInKernelMode(String name) {
        Machine m = boot(name);
        Cpu cpu = m.mmu().cpu(0);
        org.kmemu.core.sched.SigInfo segv = new org.kmemu.core.sched.SigInfo(org.kmemu.core.sched.SigInfo.SIGSEGV,
                org.kmemu.core.sched.SigInfo.SEGV_MAPERR, U);
        m.mmu().setPageFaultHandler((c, address, access, user, code) -> {
            c.current().forceSig(segv);
            return FaultResult.SIGNAL;
        });
        cpu.setUserMode(true);
        try {
            assertThatThrownBy(() -> cpu.load64(U)).isInstanceOfSatisfying(UserFaultSignal.class, e -> {
                assertThat(e.signal()).isEqualTo(segv);
                assertThat(e.address()).isEqualTo(U);
                assertThat(e.access()).isEqualTo(Access.READ);
            });
        } finally {
            cpu.setUserMode(false);
        }
        inUaccess(cpu, () -> assertThatThrownBy(() -> cpu.load64(U)).isInstanceOf(FixupException.class));
        assertThatThrownBy(() -> cpu.load64(U)).as("kernel mode outside the exception table").isInstanceOf(PageFaultException.class);
    }

    @Test
    void aHandlerThatSaysOopsIsNotFixedUpAndOneThatNeverMapsIsStopped() {
        Machine m = boot("x86_64");
        Cpu cpu = m.mmu().cpu(0);
        m.mmu().setPageFaultHandler((c, address, access, user, code) -> FaultResult.OOPS);
        inUaccess(cpu, () -> assertThatThrownBy(() -> cpu.load64(U)).isInstanceOf(PageFaultException.class)
                .satisfies(e -> assertThat(((PageFaultException) e).fault().address()).isEqualTo(U)));
        int[] calls = {0};
        PageFaultHandler liar = (c, address, access, user, code) -> {
            calls[0]++;
            return FaultResult.RETRY;
        };
        m.mmu().setPageFaultHandler(liar);
        inUaccess(cpu, () -> assertThatThrownBy(() -> cpu.load64(U)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RETRY " + Cpu.MAX_FAULT_RETRIES + " times for the read at 0x10000000"));
        assertThat(calls[0]).isEqualTo(Cpu.MAX_FAULT_RETRIES);
        assertThat(cpu.userAccessOpen()).isFalse();
    }

    @Test
    void withoutSmapKernelCodeReachesUserMemoryDirectlyAndTheHandlerRunsForIt() {
        Machine m = TestMachines.boot(new Page64kTestArch(), 1L << 30, 2);
        Cpu cpu = m.mmu().cpu(0);
        MappingHandler h = new MappingHandler(m);
        m.mmu().setPageFaultHandler(h);
        cpu.store64(U + 0x10008, 5);
        assertThat(h.calls).containsExactly(new Call(cpu, U + 0x10008, Access.WRITE, false, 0x2, false, false));
        assertThat(cpu.load64(U + 0x10008)).isEqualTo(5);
        assertThat(m.mmu().walk(cpu.root(), U + 0x1fff8).physical() - m.mmu().walk(cpu.root(), U + 0x10000).physical())
                .as("one 64 KiB user page").isEqualTo(0xfff8);
        m.mmu().setPageFaultHandler(PageFaultHandler.NO_MM);
        assertThatThrownBy(() -> cpu.load64(U + 0x40000)).as("no mm, no exception table: the oops")
                .isInstanceOf(PageFaultException.class);
    }
}
