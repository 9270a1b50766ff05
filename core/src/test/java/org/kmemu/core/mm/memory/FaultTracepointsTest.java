package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.UserMmFixture.RW;
import static org.kmemu.core.mm.memory.UserMmFixture.U;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.core.trace.KmemMetrics;
import org.kmemu.core.trace.TlbFlushReason;
import org.kmemu.core.trace.TraceBuffer;

/**
 * exceptions:page_fault_user, kmemu:tlb_miss and the context switch's tlb_flush, fired by the CPU and the fault
 * entry of the three test machines while a user process runs.
 */
class FaultTracepointsTest {
    private static List<String> events(TraceBuffer t, String name) {
        return t.events().stream().filter(l -> l.contains(": " + name + ": "))
                .map(l -> l.substring(l.indexOf(": ", l.indexOf(']')) + 2)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aUserWriteFaultIsTracedOnceWithItsErrorCodeAndItsTlbMissOnce(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 4 * f.page, RW);
        TraceBuffer t = f.m.kernel().trace();
        KmemMetrics metrics = new KmemMetrics(f.m.cpus());
        f.m.kernel().tracepoints().attach(metrics);
        t.setEnabled(true);
        f.store(U + 8, 1);
        f.store(U + 12, 2); // a TLB hit: no event
        t.setEnabled(false);
        f.m.kernel().tracepoints().detach(metrics);

        // x86's #PF error code: X86_PF_USER | X86_PF_WRITE, not present (the test machines use it on every arch).
        assertThat(events(t, "page_fault_user")).containsExactly("page_fault_user: address=0x10000008 ip=0x0 error_code=0x6");
        assertThat(events(t, "page_fault_kernel")).isEmpty();
        List<String> misses = events(t, "tlb_miss").stream().filter(l -> l.contains("address=0x1000000")).toList();
        assertThat(misses).as("one miss, on the first store; the fault's retry and the hit fire nothing").hasSize(1);
        assertThat(misses.get(0)).startsWith("tlb_miss: address=0x10000008 access=write levels=").endsWith(" fault=1");
        KmemMetrics.Events e = metrics.snapshot().events();
        assertThat(e.faultsUser()).isEqualTo(1);
        assertThat(e.faultsKernel()).isZero();
        assertThat(e.tlbMisses()).isGreaterThanOrEqualTo(1);
        assertThat(e.tlbMissWalks()).isGreaterThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aKernelModeFaultOnAUserAddressIsPageFaultKernel(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        f.map(U, 4 * f.page, RW);
        TraceBuffer t = f.m.kernel().trace();
        KmemMetrics metrics = new KmemMetrics(f.m.cpus());
        f.m.kernel().tracepoints().attach(metrics);
        t.setEnabled(true);
        assertThat(f.m.kernel().uaccess().putUser(f.cpu, 7, U + 16, 4)).as("put_user succeeds after the fault").isZero();
        t.setEnabled(false);
        f.m.kernel().tracepoints().detach(metrics);
        // put_user's write in kernel mode: X86_PF_WRITE without X86_PF_USER, not present.
        assertThat(events(t, "page_fault_kernel")).containsExactly("page_fault_kernel: address=0x10000010 ip=0x0 error_code=0x2");
        assertThat(events(t, "page_fault_user")).isEmpty();
        assertThat(metrics.snapshot().events().faultsKernel()).isEqualTo(1);
        assertThat(metrics.snapshot().events().faultsUser()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aSwitchToAnotherMmFlushesOnX86AndNotOnATaggedTlb(String arch) {
        UserMmFixture f = UserMmFixture.boot(arch);
        UserMmFixture other = new UserMmFixture(f);
        TraceBuffer t = f.m.kernel().trace();
        KmemMetrics metrics = new KmemMetrics(f.m.cpus());
        f.m.kernel().tracepoints().attach(metrics);
        t.setEnabled(true);
        other.run();
        f.run();
        t.setEnabled(false);
        f.m.kernel().tracepoints().detach(metrics);
        long switches = metrics.snapshot().events().tlbFlushes()[TlbFlushReason.FLUSH_ON_TASK_SWITCH];
        if (arch.equals("e500-like")) {
            // switch_mmu_context: PID takes the mm's context id; nothing is flushed while ids are free.
            assertThat(switches).isZero();
            assertThat(events(t, "tlb_flush")).isEmpty();
        } else {
            assertThat(events(t, "tlb_flush")).containsExactly("tlb_flush: pages:-1 reason:flush on task switch (0)",
                    "tlb_flush: pages:-1 reason:flush on task switch (0)");
            assertThat(switches).isEqualTo(2);
        }
    }
}
