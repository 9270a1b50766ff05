package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * The x86 second-level TLB (STLB, Skylake's 128 sets x 12 ways) behind the 64-entry first level: what it
 * saves (walks), what it must not change (flushes, accessed/dirty, permission faults) and its counts.
 */
class StlbTest {
    private static final int PAGES = 256; // 1 MiB: four times the first level, well inside the STLB

    private final Machine m = TestMachines.boot(new X86_64TestArch(128, 12), 256L << 20, 2);
    private final KernelLayout l = m.layout();
    private final Cpu cpu = m.mmu().cpu(0);
    private final long block = l.va(m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 8) << 12);

    private void touchAll(Cpu c) {
        for (int i = 0; i < PAGES; i++) {
            c.load64(block + ((long) i << 12));
        }
    }

    /** Loads 4 pages of the block that share v's first-level set: a 4-way set drops v. */
    private void evictFromTheFirstLevel(long v) {
        int loaded = 0;
        for (int i = 0; i < PAGES && loaded < 4; i++) {
            long p = block + ((long) i << 12);
            if (((p >>> 12) & 15) == ((v >>> 12) & 15)) {
                cpu.load64(p);
                loaded++;
            }
        }
        assertThat(loaded).isEqualTo(4);
    }

    @Test
    void firstLevelMissesTheStlbHoldsRefillWithoutAWalk() {
        TlbStats s0 = cpu.tlbStats();
        touchAll(cpu);
        TlbStats s1 = cpu.tlbStats();
        assertThat(s1.misses() - s0.misses()).isEqualTo(PAGES);
        assertThat(s1.walks() - s0.walks()).isEqualTo(PAGES);
        assertThat(s1.stlbHits() - s0.stlbHits()).isZero();
        touchAll(cpu);
        TlbStats s2 = cpu.tlbStats();
        assertThat(s2.misses() - s1.misses()).as("64 first-level entries cannot hold 256 pages").isEqualTo(PAGES);
        assertThat(s2.walks()).as("the STLB holds them all").isEqualTo(s1.walks());
        assertThat(s2.stlbHits() - s1.stlbHits()).isEqualTo(PAGES);
        assertThat(s2.misses() - s1.misses()).as("every miss is a walk or an STLB hit")
                .isEqualTo(s2.walks() - s1.walks() + s2.stlbHits() - s1.stlbHits());
    }

    @Test
    void withoutAnStlbEveryFirstLevelMissWalks() {
        Machine plain = TestMachines.x86_64(256L << 20);
        Cpu c = plain.mmu().cpu(0);
        long b = plain.layout().va(plain.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 8) << 12);
        TlbStats s0 = c.tlbStats();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < PAGES; i++) {
                c.load64(b + ((long) i << 12));
            }
        }
        TlbStats s1 = c.tlbStats();
        assertThat(s1.walks() - s0.walks()).isEqualTo(2 * PAGES);
        assertThat(s1.stlbHits()).isZero();
    }

    @Test
    void flushTlbAllEmptiesTheStlbAndFlushMmKeepsItsGlobalEntries() {
        touchAll(cpu);
        cpu.localFlushTlbMm();
        long walks = cpu.tlbStats().walks();
        touchAll(cpu);
        assertThat(cpu.tlbStats().walks()).as("direct-map entries are global: a CR3 write keeps them").isEqualTo(walks);
        m.mmu().flushTlbAll(cpu);
        touchAll(cpu);
        assertThat(cpu.tlbStats().walks()).as("flush_tlb_all drops the STLB too").isEqualTo(walks + PAGES);
    }

    @Test
    void invlpgDropsThePageFromTheStlbToo() {
        long v = l.vmallocStart();
        long oldPage = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12;
        long newPage = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12;
        m.memory().writeLong(oldPage, 1);
        m.memory().writeLong(newPage, 2);
        KernelPageTables kt = m.mmu().kernelTables();
        kt.mapPage(cpu, v, oldPage, PteFlags.WRITE | PteFlags.GLOBAL);
        assertThat(cpu.load64(v)).isEqualTo(1);
        kt.mapPage(cpu, v, newPage, PteFlags.WRITE | PteFlags.GLOBAL);
        evictFromTheFirstLevel(v);
        long walks = cpu.tlbStats().walks();
        assertThat(cpu.load64(v)).as("stale from the STLB: no flush yet").isEqualTo(1);
        assertThat(cpu.tlbStats().walks()).isEqualTo(walks);
        cpu.localFlushTlbPage(v);
        assertThat(cpu.load64(v)).isEqualTo(2);
        assertThat(cpu.tlbStats().walks()).isEqualTo(walks + 1);
        kt.clearPage(v);
        evictFromTheFirstLevel(v);
        m.mmu().flushTlbKernelRange(cpu, v, v + 4096);
        assertThatThrownBy(() -> cpu.load64(v)).as("a range flush drops it from both levels").isInstanceOf(PageFaultException.class);
    }

    @Test
    void aFirstWriteToACleanPageWalksEvenWhenTheStlbHoldsIt() {
        long v = l.vmallocStart() + 0x20000;
        KernelPageTables kt = m.mmu().kernelTables();
        kt.mapPage(cpu, v, m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << 12, PteFlags.WRITE | PteFlags.GLOBAL);
        cpu.load64(v);
        evictFromTheFirstLevel(v);
        long walks = cpu.tlbStats().walks();
        cpu.store64(v, 5);
        assertThat(cpu.tlbStats().walks()).as("D was clear: the write walks to set it").isEqualTo(walks + 1);
        assertThat(m.mmu().walk(kt.root(), v).flags() & PteFlags.DIRTY).isNotZero();
        evictFromTheFirstLevel(v);
        long hits = cpu.tlbStats().stlbHits();
        cpu.store64(v + 8, 6);
        assertThat(cpu.tlbStats().walks()).as("the STLB now holds the dirty translation").isEqualTo(walks + 1);
        assertThat(cpu.tlbStats().stlbHits()).isEqualTo(hits + 1);
    }

    @Test
    void anAccessTheStlbEntryForbidsFaultsAsAfterAWalk() {
        long v = block;
        cpu.load64(v);
        evictFromTheFirstLevel(v);
        long walks = cpu.tlbStats().walks();
        cpu.setUserMode(true);
        try {
            assertThatThrownBy(() -> cpu.load64(v)).isInstanceOf(PageFaultException.class)
                    .hasMessageContaining(Long.toHexString(v));
        } finally {
            cpu.setUserMode(false);
        }
        assertThat(cpu.tlbStats().walks()).as("the fault comes from a walk").isGreaterThan(walks);
    }
}
