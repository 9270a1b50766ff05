package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;
import org.junit.jupiter.api.Test;

/**
 * switch_mm as each architecture does it: x86's CR3 write flushes every non-global entry; e500's PID load
 * flushes nothing, and TID-tagged entries match only their own context (or TID 0, the kernel's); context
 * ids are assigned, stolen (UP: flushed at once; SMP: stale, flushed where they are reused) and given back.
 */
class SwitchMmTest {
    private static final long MB = 1L << 20;
    private static final long UADDR = 0x400000L;

    /** A machine, its CPUs, and helpers to make mms with a user page each. */
    private static final class Rig {
        final Machine m;
        final UserPageTables upt;

        Rig(Machine m) {
            this.m = m;
            this.upt = new UserPageTables(m.memory(), m.mmu().format(), m.kernel().pages(), m.pageShift());
        }

        Cpu cpu(int i) {
            return m.mmu().cpu(i);
        }

        Mm mm() {
            return Mm.alloc(cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()), m.log());
        }

        /** Maps a fresh page holding {@code value} at {@link #UADDR} in {@code mm}. */
        long mapUser(Mm mm, int value) {
            long pfn = m.kernel().pages().allocPages(cpu(0), Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
            m.memory().writeInt(pfn << m.pageShift(), value);
            long ptep = upt.ptep(cpu(0), mm, UADDR, true);
            upt.writePte(ptep, upt.mkPte(pfn, PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.ACCESSED));
            return pfn;
        }

        Task task(String name, Mm mm) {
            return m.scheduler().createUserTask(name, mm);
        }

        int userLoad(Cpu cpu) {
            cpu.setUserMode(true);
            try {
                return cpu.load32(UADDR);
            } finally {
                cpu.setUserMode(false);
            }
        }

        long kernelAddr() {
            return m.layout().va(16L * MB);
        }
    }

    @Test
    void x86Cr3WriteDropsNonGlobalEntriesAndKeepsGlobalOnes() {
        Rig r = new Rig(TestMachines.x86_64(256 * MB));
        Cpu cpu = r.cpu(0);
        Mm a = r.mm();
        Mm b = r.mm();
        r.mapUser(a, 0xaaaa);
        r.mapUser(b, 0xbbbb);
        Task ta = r.task("a", a);
        Task tb = r.task("b", b);
        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(r.userLoad(cpu)).isEqualTo(0xaaaa);
        cpu.load64(r.kernelAddr());
        TlbStats before = cpu.tlbStats();

        r.m.scheduler().contextSwitch(cpu, tb);
        TlbStats after = cpu.tlbStats();
        assertThat(cpu.root()).isEqualTo(b.pgdPhys());
        assertThat(after.flushes()).isEqualTo(before.flushes() + 1);
        assertThat(after.valid()).as("the user entry went, the global kernel entry stayed").isEqualTo(before.valid() - 1);
        assertThat(cpu.pid()).isZero();
        cpu.load64(r.kernelAddr());
        assertThat(cpu.tlbStats().misses()).as("the kernel entry is global: it hits").isEqualTo(after.misses());
        assertThat(r.userLoad(cpu)).as("b's own page, not a's stale entry").isEqualTo(0xbbbb);
        assertThat(cpu.tlbStats().misses()).isEqualTo(after.misses() + 1);
    }

    @Test
    void e500PidSwitchFlushesNothingAndTidsKeepContextsApart() {
        Rig r = new Rig(TestMachines.boot(new I386TestArch(true), 256 * MB, 2));
        Cpu cpu = r.cpu(0);
        Mm a = r.mm();
        Mm b = r.mm();
        r.mapUser(a, 0xaaaa);
        r.mapUser(b, 0xbbbb);
        Task ta = r.task("a", a);
        Task tb = r.task("b", b);
        long vmalloc = r.m.kernel().vmalloc().vmalloc(cpu, 4096, "test");
        cpu.store32(vmalloc, 0x5eed);

        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(a.context().id()).isEqualTo(1);
        assertThat(cpu.pid()).isEqualTo(1);
        assertThat(r.userLoad(cpu)).isEqualTo(0xaaaa);
        assertThat(cpu.load32(vmalloc)).isEqualTo(0x5eed);
        TlbStats before = cpu.tlbStats();

        r.m.scheduler().contextSwitch(cpu, tb);
        assertThat(b.context().id()).isEqualTo(2);
        assertThat(cpu.pid()).isEqualTo(2);
        TlbStats after = cpu.tlbStats();
        assertThat(after.flushes()).as("switch_mmu_context flushes nothing").isEqualTo(before.flushes());
        assertThat(after.valid()).as("a's entries stay in the TLB").isEqualTo(before.valid());
        assertThat(cpu.load32(vmalloc)).as("TID 0: the kernel entry matches every PID").isEqualTo(0x5eed);
        assertThat(cpu.tlbStats().misses()).isEqualTo(after.misses());
        assertThat(r.userLoad(cpu)).as("a's entry (TID 1) does not translate for b (PID 2)").isEqualTo(0xbbbb);
        assertThat(cpu.tlbStats().misses()).isEqualTo(after.misses() + 1);

        long misses = cpu.tlbStats().misses();
        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(r.userLoad(cpu)).as("back on a: its entry is still there").isEqualTo(0xaaaa);
        assertThat(cpu.tlbStats().misses()).isEqualTo(misses);
        assertThat(cpu.tlbStats().flushes()).isEqualTo(before.flushes());
    }

    @Test
    void e500FlushTlbMmDropsThatContextOnlyWithTlbilx() {
        for (boolean tlbilx : new boolean[] {true, false}) {
            Rig r = new Rig(TestMachines.boot(I386TestArch.e500(255, tlbilx), 256 * MB, 2));
            Cpu cpu = r.cpu(0);
            Mm a = r.mm();
            Mm b = r.mm();
            r.mapUser(a, 0xaaaa);
            r.mapUser(b, 0xbbbb);
            Task ta = r.task("a", a);
            Task tb = r.task("b", b);
            r.m.scheduler().contextSwitch(cpu, ta);
            r.userLoad(cpu);
            r.m.scheduler().contextSwitch(cpu, tb);
            r.userLoad(cpu);

            r.m.mmu().flushTlbMm(cpu, a.context());
            long misses = cpu.tlbStats().misses();
            assertThat(r.userLoad(cpu)).isEqualTo(0xbbbb);
            assertThat(cpu.tlbStats().misses() - misses).as("b's entry with tlbilx %s", tlbilx).isEqualTo(tlbilx ? 0 : 1);
            r.m.scheduler().contextSwitch(cpu, ta);
            misses = cpu.tlbStats().misses();
            assertThat(r.userLoad(cpu)).isEqualTo(0xaaaa);
            assertThat(cpu.tlbStats().misses() - misses).as("a's entry was flushed").isEqualTo(1);
        }
    }

    @Test
    void e500ShootdownOfAnMmReachesACpuThatSwitchedAway() {
        Rig r = new Rig(TestMachines.boot(I386TestArch.e500(255, true), 256 * MB, 2));
        Cpu cpu0 = r.cpu(0);
        Cpu cpu1 = r.cpu(1);
        Mm a = r.mm();
        Mm b = r.mm();
        r.mapUser(a, 0xaaaa);
        r.mapUser(b, 0xbbbb);
        Task ta = r.task("a", a);
        Task tb = r.task("b", b);
        r.m.scheduler().contextSwitch(cpu1, ta);
        r.userLoad(cpu1);
        r.m.scheduler().contextSwitch(cpu1, tb);
        // A shootdown for a from CPU 0: CPU 1 runs b now, but a's entries sit in its TLB under TID 1.
        r.m.mmu().flushTlbMm(cpu0, a.context());
        r.m.scheduler().contextSwitch(cpu1, ta);
        long misses = cpu1.tlbStats().misses();
        assertThat(r.userLoad(cpu1)).isEqualTo(0xaaaa);
        assertThat(cpu1.tlbStats().misses() - misses).isEqualTo(1);
    }

    @Test
    void upStealFlushesTheVictimsEntriesAtOnce() {
        Rig r = new Rig(TestMachines.boot(I386TestArch.e500(2, true), 256 * MB, 1));
        Cpu cpu = r.cpu(0);
        Mm a = r.mm();
        Mm b = r.mm();
        Mm c = r.mm();
        r.mapUser(a, 0xaaaa);
        r.mapUser(b, 0xbbbb);
        r.mapUser(c, 0xcccc);
        Task ta = r.task("a", a);
        Task tb = r.task("b", b);
        Task tc = r.task("c", c);
        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(r.userLoad(cpu)).isEqualTo(0xaaaa);
        r.m.scheduler().contextSwitch(cpu, tb);
        assertThat(r.m.mmu().freeContextIds()).isZero();

        r.m.scheduler().contextSwitch(cpu, tc);
        assertThat(c.context().id()).as("next_context wrapped to 1: a's").isEqualTo(1);
        assertThat(a.context().id()).isEqualTo(MmuContext.NO_CONTEXT);
        assertThat(r.m.mmu().contextSteals()).isEqualTo(1);
        assertThat(r.userLoad(cpu)).as("c (TID 1) must not hit a's old TID-1 entry").isEqualTo(0xcccc);

        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(a.context().id()).as("a steals b's").isEqualTo(2);
        assertThat(r.userLoad(cpu)).isEqualTo(0xaaaa);
    }

    @Test
    void smpStealSkipsActiveContextsAndFlushesStaleOnesWhereReused() {
        Rig r = new Rig(TestMachines.boot(I386TestArch.e500(2, true), 256 * MB, 2));
        Cpu cpu0 = r.cpu(0);
        Cpu cpu1 = r.cpu(1);
        Mm a = r.mm();
        Mm b = r.mm();
        Mm c = r.mm();
        r.mapUser(a, 0xaaaa);
        r.mapUser(b, 0xbbbb);
        r.mapUser(c, 0xcccc);
        Task ta = r.task("a", a);
        Task tb = r.task("b", b);
        Task tc = r.task("c", c);
        Task tc2 = r.task("c2", c);
        r.m.scheduler().contextSwitch(cpu1, tb);       // b: id 1, on CPU 1
        assertThat(r.userLoad(cpu1)).isEqualTo(0xbbbb);
        r.m.scheduler().contextSwitch(cpu0, ta);       // a: id 2, on CPU 0, active
        r.m.scheduler().contextSwitch(cpu1, r.m.scheduler().idleTask(1));
        r.m.scheduler().leaveMm(cpu1);                 // b runs nowhere now; its id 1 is stale on CPU 1 once stolen

        r.m.scheduler().contextSwitch(cpu0, tc);       // next_context 3 wraps to 1: b's, not active
        assertThat(c.context().id()).isEqualTo(1);
        assertThat(b.context().id()).isEqualTo(MmuContext.NO_CONTEXT);
        assertThat(r.userLoad(cpu0)).isEqualTo(0xcccc);
        // CPU 1 still holds b's entry under TID 1: loading c's id 1 there must flush it first (stale_map).
        r.m.scheduler().contextSwitch(cpu1, tc2);
        assertThat(cpu1.pid()).isEqualTo(1);
        assertThat(r.userLoad(cpu1)).as("c on CPU 1, not b's stale entry").isEqualTo(0xcccc);

        // CPU 0 goes back to a (id 2, active there); CPU 1 leaves c for b: next_context is 2, a's, active, so it
        // is skipped and c's id 1 (active nowhere once CPU 1 leaves it) is stolen.
        r.m.scheduler().contextSwitch(cpu0, ta);
        Task tb2 = r.task("b2", b);
        r.m.scheduler().contextSwitch(cpu1, tb2);
        assertThat(b.context().id()).isEqualTo(1);
        assertThat(a.context().id()).isEqualTo(2);
        assertThat(c.context().id()).isEqualTo(MmuContext.NO_CONTEXT);
        assertThat(r.userLoad(cpu1)).as("b on CPU 1, not c's stale entry").isEqualTo(0xbbbb);
        assertThat(r.userLoad(cpu0)).isEqualTo(0xaaaa);
    }

    @Test
    void destroyGivesTheContextIdBackAndRefusesARunningMm() {
        Rig r = new Rig(TestMachines.boot(new I386TestArch(true), 256 * MB, 2));
        Cpu cpu = r.cpu(0);
        Mm a = r.mm();
        Task ta = r.task("a", a);
        int free = r.m.mmu().freeContextIds();
        r.m.scheduler().contextSwitch(cpu, ta);
        assertThat(r.m.mmu().freeContextIds()).isEqualTo(free - 1);
        assertThatThrownBy(() -> a.destroy(cpu, r.m.kernel().pages(), r.m.mmu()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("destroy_context");
        r.m.scheduler().contextSwitch(cpu, r.m.scheduler().idleTask(0));
        assertThat(r.m.scheduler().leaveMm(cpu)).isTrue();
        assertThat(cpu.pid()).isZero();
        a.destroy(cpu, r.m.kernel().pages(), r.m.mmu());
        assertThat(r.m.mmu().freeContextIds()).isEqualTo(free);
    }
}
