package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.SigInfo;
import org.kmemu.core.sched.Task;

/**
 * Page faults on the shipped machines with the real arch plugins' PTE formats (x86_64, i386 2-level and
 * PAE, e500): zero page, the write that copies it, a write-protect/reuse round trip through
 * change_protection, a SIGSEGV that leaves the machine running, and exit_mmap giving every page back.
 */
class UserFaultsTest {
    private static final long U = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
    private static final long RO = VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;

    static Stream<String> machines() {
        return Stream.of("x86_64", "i386-highmem", "i386-pae", "booke-e500");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void faultsInTheArchFormatAndEveryPageBackAtExit(String config) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
        Cpu cpu = m.mmu().cpu(0);
        UserMemory um = m.kernel().memory();
        UserPageTables t = um.userPageTables();
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        Mm mm = um.mmAlloc(cpu);
        Task task = m.scheduler().createUserTask("proc", mm);
        Task idle = m.scheduler().contextSwitch(cpu, task);
        long page = 1L << m.pageShift();
        mm.mmapLock().writeLock();
        Vma vma = mm.vmas().mapRange(U, U + 8 * page, RW, U >>> m.pageShift(), null, null);
        mm.mmapLock().writeUnlock();

        cpu.setUserMode(true);
        try {
            assertThat(cpu.load32(U + 4)).isZero();
            long ptep = t.ptep(cpu, mm, U, false);
            assertThat(t.pfn(t.readPte(ptep))).isEqualTo(um.zeroPfn());
            cpu.store32(U + 4, 0x1234);
            assertThat(t.pfn(t.readPte(ptep))).isNotEqualTo(um.zeroPfn());
            assertThat(t.flags(t.readPte(ptep)) & (PteFlags.WRITE | PteFlags.DIRTY | PteFlags.USER))
                    .isEqualTo(PteFlags.WRITE | PteFlags.DIRTY | PteFlags.USER);
            long pfn = t.pfn(t.readPte(ptep));
            // mprotect(PROT_READ) and back: the exclusive page becomes writable again, in place.
            cpu.setUserMode(false);
            mm.mmapLock().writeLock();
            mm.vmas().unlink(vma);
            Vma ro = new Vma(U, U + 8 * page, RO, vma.pgoff(), null, vma.anonVma());
            mm.vmas().link(ro);
            um.pageTableOps().changeProtection(cpu, mm, ro, U, U + 8 * page, RO);
            mm.mmapLock().writeUnlock();
            cpu.setUserMode(true);
            assertThat(t.flags(t.readPte(ptep)) & PteFlags.WRITE).isZero();
            assertThatThrownBy(() -> cpu.store32(U + 4, 1)).isInstanceOfSatisfying(UserFaultSignal.class,
                    e -> assertThat(e.signal()).isEqualTo(new SigInfo(SigInfo.SIGSEGV, SigInfo.SEGV_ACCERR, U + 4)));
            assertThat(cpu.load32(U + 4)).as("the machine goes on").isEqualTo(0x1234);
            cpu.setUserMode(false);
            // PROT_NONE: the entry keeps the frame without PRESENT; any access is SEGV_ACCERR.
            mm.mmapLock().writeLock();
            mm.vmas().unlink(ro);
            Vma none = new Vma(U, U + 8 * page, VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE, vma.pgoff(), null, vma.anonVma());
            mm.vmas().link(none);
            um.pageTableOps().changeProtection(cpu, mm, none, U, U + 8 * page, none.flags());
            mm.mmapLock().writeUnlock();
            assertThat(t.present(t.readPte(ptep))).isFalse();
            assertThat(t.pfn(t.readPte(ptep))).isEqualTo(pfn);
            cpu.setUserMode(true);
            assertThatThrownBy(() -> cpu.load32(U + 4)).isInstanceOfSatisfying(UserFaultSignal.class,
                    e -> assertThat(e.signal().code()).isEqualTo(SigInfo.SEGV_ACCERR));
            cpu.setUserMode(false);
            mm.mmapLock().writeLock();
            mm.vmas().unlink(none);
            Vma rw = new Vma(U, U + 8 * page, RW, vma.pgoff(), null, vma.anonVma());
            mm.vmas().link(rw);
            um.pageTableOps().changeProtection(cpu, mm, rw, U, U + 8 * page, RW);
            mm.mmapLock().writeUnlock();
            cpu.setUserMode(true);
            // Write-protect by hand, then a write: do_wp_page reuses the exclusive page.
            t.writePte(ptep, t.withFlags(t.readPte(ptep), PteFlags.USER | PteFlags.ACCESSED));
            m.mmu().flushTlbMmRange(cpu, mm.pgdPhys(), U, U + page);
            cpu.store32(U + 8, 0x5678);
            assertThat(t.pfn(t.readPte(ptep))).isEqualTo(pfn);
            assertThat(cpu.load32(U + 4)).isEqualTo(0x1234);
            for (int i = 1; i < 8; i++) {
                cpu.store32(U + i * page, i);
            }
        } finally {
            cpu.setUserMode(false);
        }
        assertThat(mm.rss(Mm.MM_ANONPAGES)).isEqualTo(8);
        assertThat(task.minFlt()).isGreaterThanOrEqualTo(10);
        m.scheduler().contextSwitch(cpu, idle);
        m.scheduler().leaveMm(cpu); // the idle task borrowed the mm (lazy TLB): destroy_context refuses a live one
        um.exitMmap(cpu, mm);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("every page back").isEqualTo(free);
    }
}
