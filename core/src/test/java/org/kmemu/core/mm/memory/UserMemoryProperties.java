package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.TestMachines;

/**
 * Random sequences of user reads and writes, zaps (munmap/MADV_DONTNEED's unmap_page_range) and
 * mprotect round trips on four private anonymous VMAs, checked against a model of the bytes: every read
 * sees the last write or zero, a write to a read-only VMA is SIGSEGV and changes nothing, MM_ANONPAGES is
 * the number of pages written since their last zap, and after exit_mmap every page is back in the
 * allocator.
 */
class UserMemoryProperties {
    private static final Machine M = TestMachines.x86_64(64L << 20);
    private static final long U = 0x10000000L;
    private static final int VMAS = 4;
    private static final int PAGES_PER_VMA = 16;
    private static final long PAGE = 4096;

    @Property(tries = 40)
    void userMemoryMatchesAModelAndExitGivesEveryPageBack(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int ops) {
        Random r = new Random(seed);
        UserMemory um = M.kernel().memory();
        Cpu cpu = M.mmu().cpu(0);
        long free = M.nrFreePages();
        Mm mm = um.mmAlloc(cpu);
        Task task = M.scheduler().createUserTask("prop", mm);
        Task prev = M.scheduler().contextSwitch(cpu, task);
        Vma[] vmas = new Vma[VMAS];
        boolean[] readOnly = new boolean[VMAS];
        mm.mmapLock().writeLock();
        for (int v = 0; v < VMAS; v++) {
            // A gap between VMAs so they stay apart.
            long start = U + v * (PAGES_PER_VMA + 1) * PAGE;
            vmas[v] = mm.vmas().mapRange(start, start + PAGES_PER_VMA * PAGE, UserMmFixture.RW, start >>> 12, null, null);
        }
        mm.mmapLock().writeUnlock();
        Map<Long, Integer> words = new HashMap<>(); // address -> value; absent = 0
        Map<Long, Boolean> privatePages = new HashMap<>();
        for (int i = 0; i < ops; i++) {
            int v = r.nextInt(VMAS);
            int p = r.nextInt(PAGES_PER_VMA);
            long page = vmas[v].start() + p * PAGE;
            long addr = page + 4L * r.nextInt(1024);
            int op = r.nextInt(10);
            if (op < 4) {
                int value = r.nextInt();
                cpu.setUserMode(true);
                try {
                    if (readOnly[v]) {
                        assertThatThrownBy(() -> cpu.store32(addr, value)).isInstanceOf(UserFaultSignal.class);
                    } else {
                        cpu.store32(addr, value);
                        words.put(addr, value);
                        privatePages.put(page, true);
                    }
                } finally {
                    cpu.setUserMode(false);
                }
            } else if (op < 8) {
                cpu.setUserMode(true);
                try {
                    assertThat(cpu.load32(addr)).isEqualTo(words.getOrDefault(addr, 0));
                } finally {
                    cpu.setUserMode(false);
                }
            } else if (op == 8) {
                int n = 1 + r.nextInt(PAGES_PER_VMA - p);
                mm.mmapLock().writeLock();
                um.pageTableOps().unmapRange(cpu, mm, vmas[v], page, page + n * PAGE);
                mm.mmapLock().writeUnlock();
                for (long a = page; a < page + n * PAGE; a += PAGE) {
                    privatePages.remove(a);
                    long base = a;
                    words.keySet().removeIf(k -> k >= base && k < base + PAGE);
                }
            } else {
                readOnly[v] = !readOnly[v];
                long flags = readOnly[v] ? UserMmFixture.RO : UserMmFixture.RW;
                mm.mmapLock().writeLock();
                Vma old = vmas[v];
                mm.vmas().unlink(old);
                vmas[v] = new Vma(old.start(), old.end(), flags, old.pgoff(), null, old.anonVma());
                mm.vmas().link(vmas[v]);
                um.pageTableOps().changeProtection(cpu, mm, vmas[v], old.start(), old.end(), flags);
                mm.mmapLock().writeUnlock();
            }
            assertThat(mm.rss(Mm.MM_ANONPAGES)).isEqualTo(privatePages.size());
        }
        M.scheduler().contextSwitch(cpu, prev);
        um.exitMmap(cpu, mm);
        assertThat(M.nrFreePages()).as("every page back").isEqualTo(free);
    }
}
