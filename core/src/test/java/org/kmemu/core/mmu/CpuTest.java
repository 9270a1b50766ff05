package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

/**
 * Loads, stores and copies through the MMU on the core's x86-style test machines: the kernel page
 * tables boot built, the TLB and its flushes, accessed/dirty, and the permission rules.
 */
class CpuTest {
    private final Machine m = TestMachines.x86_64(4L << 30);
    private final KernelLayout l = m.layout();
    private final Cpu cpu = m.mmu().cpu(0);

    /** @return a fresh page from the allocator: fixed addresses could hit the page tables */
    private long page() {
        return m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12;
    }

    /** @return a fresh 4-page block, for copies that cross pages */
    private long pages4() {
        return m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 2) << 12;
    }

    @Test
    void aWriteThroughTheDirectMapLandsInRamAndReadsBackThroughAnyMapping() {
        // The kernel's .data: mapped in the direct map and again in the kernel image mapping.
        long phys = m.kernelImage().dataStart();
        cpu.store64(l.va(phys) + 8, 0x1122334455667788L);
        assertThat(m.memory().readLong(phys + 8)).isEqualTo(0x1122334455667788L);
        long text = 0xffffffff80000000L + phys;
        assertThat(m.mmu().cpu(1).load64(text + 8)).isEqualTo(0x1122334455667788L);
        assertThat(cpu.load32(l.va(phys) + 8)).isEqualTo(0x55667788);
        assertThat(cpu.load8(l.va(phys) + 15)).isEqualTo((byte) 0x11);
    }

    @Test
    void tlbHitsAfterTheFirstMissAndCountsWalks() {
        long v = l.va(page());
        cpu.load64(v);
        TlbStats first = cpu.tlbStats();
        assertThat(first.misses()).isEqualTo(1);
        assertThat(first.walks()).isEqualTo(1);
        for (int i = 0; i < 100; i++) {
            cpu.load64(v + 8 * i);
        }
        TlbStats after = cpu.tlbStats();
        assertThat(after.hits()).isEqualTo(first.hits() + 100);
        assertThat(after.walks()).isEqualTo(1);
        assertThat(after.softwareRefills()).isZero();
    }

    @Test
    void aChangedPteWithoutAFlushLeavesTheStaleTranslationInUse() {
        long v = l.vmallocStart();
        long oldPage = page();
        long newPage = page();
        m.memory().writeLong(oldPage, 1);
        m.memory().writeLong(newPage, 2);
        KernelPageTables kt = m.mmu().kernelTables();
        kt.mapPage(cpu, v, oldPage, PteFlags.WRITE | PteFlags.GLOBAL);
        assertThat(cpu.load64(v)).isEqualTo(1);
        kt.mapPage(cpu, v, newPage, PteFlags.WRITE | PteFlags.GLOBAL);
        assertThat(cpu.load64(v)).as("stale: no flush yet").isEqualTo(1);
        Cpu other = m.mmu().cpu(1);
        assertThat(other.load64(v)).as("a CPU that never cached it walks the new PTE").isEqualTo(2);
        cpu.localFlushTlbPage(v);
        assertThat(cpu.load64(v)).isEqualTo(2);
    }

    @Test
    void shootdownsReachOtherCpusBeforeTheirNextAccess() {
        long v = l.vmallocStart() + 0x10000;
        KernelPageTables kt = m.mmu().kernelTables();
        long phys = page();
        kt.mapPage(cpu, v, phys, PteFlags.WRITE | PteFlags.GLOBAL);
        Cpu other = m.mmu().cpu(1);
        m.memory().writeLong(phys, 7);
        assertThat(other.load64(v)).isEqualTo(7);
        kt.clearPage(v);
        assertThat(other.load64(v)).as("stale on CPU 1").isEqualTo(7);
        m.mmu().flushTlbKernelRange(cpu, v, v + 4096);
        assertThatThrownBy(() -> other.load64(v)).isInstanceOf(PageFaultException.class)
                .hasMessageContaining("BUG: unable to handle page fault for address: " + Long.toHexString(v));
    }

    @Test
    void flushTlbAllAndMmDropGlobalAndNonGlobalAsTheKernelDoes() {
        long v = l.va(page());
        cpu.load64(v);
        int valid = cpu.tlbStats().valid();
        assertThat(valid).isPositive();
        cpu.localFlushTlbMm();
        assertThat(cpu.tlbStats().valid()).as("direct-map entries are global").isEqualTo(valid);
        m.mmu().flushTlbAll(cpu);
        assertThat(cpu.tlbStats().valid()).isZero();
    }

    @Test
    void theWalkerSetsAccessedAndDirtyAndAFirstWriteToACleanPageWalksAgain() {
        long v = l.vmallocStart() + 0x20000;
        KernelPageTables kt = m.mmu().kernelTables();
        kt.mapPage(cpu, v, page(), PteFlags.WRITE | PteFlags.GLOBAL);
        cpu.load64(v);
        WalkReport r = m.mmu().walk(kt.root(), v);
        assertThat(r.flags() & (PteFlags.ACCESSED | PteFlags.DIRTY)).isEqualTo(PteFlags.ACCESSED);
        long walks = cpu.tlbStats().walks();
        cpu.store64(v, 5);
        assertThat(cpu.tlbStats().walks()).as("D was clear: the write walks to set it").isEqualTo(walks + 1);
        assertThat(m.mmu().walk(kt.root(), v).flags() & PteFlags.DIRTY).isNotZero();
        cpu.store64(v + 8, 6);
        assertThat(cpu.tlbStats().walks()).isEqualTo(walks + 1);
    }

    @Test
    void unmappedKernelAddressesOopsWithTheKernelsText() {
        long v = l.vmallocStart() + 0x100000;
        assertThatThrownBy(() -> cpu.store32(v, 1)).isInstanceOf(PageFaultException.class).satisfies(e -> {
            PageFaultException pf = (PageFaultException) e;
            assertThat(pf.fault().protection()).isFalse();
            assertThat(pf.fault().access()).isEqualTo(Access.WRITE);
            assertThat(pf.report()).containsExactly(
                    "BUG: unable to handle page fault for address: " + String.format("%016x", v),
                    "#PF: supervisor write access in kernel mode",
                    "#PF: not-present page");
        });
    }

    @Test
    void permissionsAreCheckedPerModeAndFeature() {
        KernelPageTables kt = m.mmu().kernelTables();
        long ro = l.vmallocStart() + 0x30000;
        long user = 0x400000;
        kt.mapPage(cpu, ro, page(), PteFlags.GLOBAL);
        assertThat(cpu.load64(ro)).isZero();
        assertThatThrownBy(() -> cpu.store64(ro, 1)).isInstanceOf(PageFaultException.class)
                .satisfies(e -> assertThat(((PageFaultException) e).fault().reason()).isEqualTo("write to a read-only page"));
        assertThatThrownBy(() -> cpu.fetch32(ro)).satisfies(e -> assertThat(((PageFaultException) e).fault().reason())
                .isEqualTo("instruction fetch from a no-execute page"));

        kt.mapPage(cpu, user, page(), PteFlags.USER | PteFlags.WRITE | PteFlags.EXEC);
        assertThatThrownBy(() -> cpu.load64(user)).satisfies(e -> assertThat(((PageFaultException) e).fault().reason())
                .startsWith("SMAP"));
        cpu.userAccessBegin();
        cpu.store64(user, 9);
        cpu.userAccessEnd();
        assertThatThrownBy(() -> cpu.fetch32(user)).satisfies(e -> assertThat(((PageFaultException) e).fault().reason())
                .startsWith("SMEP"));
        cpu.setUserMode(true);
        assertThat(cpu.load64(user)).isEqualTo(9);
        cpu.fetch32(user);
        long kernel = l.va(page());
        assertThatThrownBy(() -> cpu.load64(kernel)).satisfies(e -> {
            PageFaultException pf = (PageFaultException) e;
            assertThat(pf.fault().reason()).isEqualTo("user access to a supervisor page");
            assertThat(pf.fault().protection()).isTrue();
            assertThat(pf.report()).contains("#PF: user read access in user mode", "#PF: permissions violation");
        });
    }

    @Test
    void insideAUaccessWindowUserPagesHitTheTlbAndClosingItBringsSmapBack() {
        long user = 0x600000;
        m.mmu().kernelTables().mapPage(cpu, user, page(), PteFlags.USER | PteFlags.WRITE | PteFlags.DIRTY);
        cpu.userAccessBegin();
        cpu.store64(user, 3);
        long walks = cpu.tlbStats().walks();
        long hits = cpu.tlbStats().hits();
        assertThat(cpu.load64(user)).isEqualTo(3);
        cpu.store64(user + 8, 4);
        assertThat(cpu.tlbStats().walks()).as("stac: the cached entry serves kernel reads and writes").isEqualTo(walks);
        assertThat(cpu.tlbStats().hits()).isEqualTo(hits + 2);
        cpu.userAccessEnd();
        assertThatThrownBy(() -> cpu.load64(user)).as("clac: the same cached entry is refused again")
                .isInstanceOf(PageFaultException.class)
                .satisfies(e -> assertThat(((PageFaultException) e).fault().reason()).startsWith("SMAP"));
    }

    @Test
    void copiesAndUnalignedAccessesCrossPages() {
        long src = l.va(pages4()) + 4090;
        long dst = l.va(pages4()) + 100;
        byte[] data = new byte[9000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        cpu.write(src, data, 0, data.length);
        cpu.copy(dst, src, data.length);
        byte[] back = new byte[data.length];
        cpu.read(dst, back, 0, back.length);
        assertThat(back).isEqualTo(data);
        long edge = l.va(pages4()) + 4093;
        cpu.store64(edge, 0x0102030405060708L);
        assertThat(cpu.load64(edge)).isEqualTo(0x0102030405060708L);
        assertThat(cpu.load8(edge)).isEqualTo((byte) 0x08);
    }

    @Test
    void switchingAddressSpaceKeepsOnlyGlobalEntries() {
        long v = l.va(page());
        cpu.load64(v);
        long user = 0x500000;
        m.mmu().kernelTables().mapPage(cpu, user, page(), PteFlags.USER | PteFlags.WRITE);
        cpu.setUserMode(true);
        cpu.load64(user);
        int before = cpu.tlbStats().valid();
        cpu.switchMm(m.mmu().newContext(cpu.root()));
        assertThat(cpu.tlbStats().valid()).isEqualTo(before - 1);
    }

    @Test
    void preemptCountAndIrqsMakeAtomicContext() {
        assertThat(cpu.inAtomicContext()).isFalse();
        cpu.preemptDisable();
        assertThat(cpu.inAtomicContext()).isTrue();
        cpu.preemptEnable();
        cpu.setIrqsDisabled(true);
        assertThat(cpu.inAtomicContext()).isTrue();
        cpu.setIrqsDisabled(false);
        cpu.preemptEnable();
        assertThat(cpu.preemptCount()).as("an unbalanced preempt_enable leaves the count at 0").isZero();
        assertThat(m.log().texts()).containsSubsequence("DEBUG_LOCKS_WARN_ON(val > preempt_count())",
                "WARNING: CPU: 0 PID: 0 at kernel/sched/core.c preempt_count_sub");
        cpu.pagefaultEnable();
        assertThat(cpu.pagefaultDisabled()).isZero();
        assertThat(m.log().texts()).contains("WARNING: CPU: 0 PID: 0 at include/linux/uaccess.h pagefault_enable");
    }
}
