package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageFault;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/** e500's MMU model: pinned lowmem never walks, everything else is refilled by the software handler. */
class SoftwareTlbTest {
    private final Machine m = TestMachines.boot(new I386TestArch(true), 2L << 30, 2);
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void pinnedLowmemNeverWalksEvenAfterAFlush() {
        long v = m.layout().va(m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12);
        cpu.store64(v, 42);
        assertThat(cpu.load64(v)).isEqualTo(42);
        m.mmu().flushTlbAll(cpu);
        assertThat(cpu.load64(v)).as("TLB1 entries survive flushes (IPROT)").isEqualTo(42);
        TlbStats s = cpu.tlbStats();
        assertThat(s.walks()).isZero();
        assertThat(s.softwareRefills()).isZero();
        assertThat(s.pinnedHits()).isEqualTo(2);
        assertThat(s.pinned()).isEqualTo(3);
    }

    @Test
    void aPinnedEntryThatForbidsTheAccessFaultsAtOnceWithoutAWalk() {
        long v = m.layout().va(m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12);
        cpu.setUserMode(true);
        try {
            assertThatThrownBy(() -> cpu.load64(v)).isInstanceOf(PageFaultException.class).satisfies(e -> {
                PageFault f = ((PageFaultException) e).fault();
                assertThat(f.protection()).isTrue();
                assertThat(f.reason()).isEqualTo("user access to a supervisor page");
                assertThat(f.levelsRead()).as("no table was read").isZero();
            });
        } finally {
            cpu.setUserMode(false);
        }
        assertThat(cpu.tlbStats().walks()).isZero();
    }

    @Test
    void otherKernelAddressesAreRefilledInSoftware() {
        long v = m.layout().vmallocStart() + 0x4000;
        long phys = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12;
        m.mmu().kernelTables().mapPage(cpu, v, phys, PteFlags.WRITE | PteFlags.GLOBAL);
        cpu.store32(v, 7);
        cpu.load32(v);
        TlbStats s = cpu.tlbStats();
        assertThat(s.softwareRefills()).isEqualTo(1).isEqualTo(s.walks());
        assertThat(s.hits()).isEqualTo(1);
        assertThat(m.memory().readInt(phys)).isEqualTo(7);
    }
}
