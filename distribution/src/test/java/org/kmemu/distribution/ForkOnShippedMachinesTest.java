package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.ExitMmap;
import org.kmemu.core.mm.memory.ForkMm;
import org.kmemu.core.mm.memory.MmLifecycle;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Mmap;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.PageFaultException;
import org.kmemu.core.sched.Task;

/**
 * mmap, fork and exit on the four shipped machines with the real arch plugins (x86_64, i386 2-level and PAE,
 * big-endian e500 with its software-refilled TLB): user PTEs in each arch's own format, written through the
 * CPU in user mode, write-protected in parent and child by fork, the child reading the parent's bytes, and
 * every page back after both exit. The page-table side is a minimal anonymous-memory {@link PageTableOps}
 * (populate and zap) until mm/memory.c's real one is wired.
 */
class ForkOnShippedMachinesTest {

    /** populate (zeroed anonymous pages) and zap; the rest is not needed by this test and refuses. */
    private static final class AnonOnlyOps implements PageTableOps {
        private final UserPageTables tables;
        private final PageApi pages;
        private final Machine m;

        AnonOnlyOps(UserPageTables tables, PageApi pages, Machine m) {
            this.tables = tables;
            this.pages = pages;
            this.m = m;
        }

        @Override
        public void unmapRange(Cpu cpu, Mm mm, Vma vma, long start, long end) {
            for (long a = start; a < end; a += 1L << m.pageShift()) {
                long ptep = tables.ptep(cpu, mm, a, false);
                if (ptep == UserPageTables.NO_PTEP || !tables.present(tables.readPte(ptep))) {
                    continue;
                }
                long pfn = tables.pfn(tables.readPte(ptep));
                tables.writePte(ptep, 0);
                pages.pageAddMapcount(pfn, -1);
                if (pages.pageRefCount(pfn) == 1) {
                    pages.setPageMapping(pfn, 0);
                }
                pages.putPage(cpu, pfn);
            }
            m.mmu().flushTlbMm(cpu, mm.pgdPhys());
        }

        @Override
        public void freePgtables(Cpu cpu, Mm mm, long floor, long ceiling) {
            // the tables go with Mm.destroy
        }

        @Override
        public void changeProtection(Cpu cpu, Mm mm, Vma vma, long start, long end, long newVmFlags) {
            throw new UnsupportedOperationException("not used by this test");
        }

        @Override
        public long movePageTables(Cpu cpu, Mm mm, Vma oldVma, long oldAddr, Vma newVma, long newAddr, long len) {
            throw new UnsupportedOperationException("not used by this test");
        }

        @Override
        public int populate(Cpu cpu, Mm mm, long start, long end) {
            for (long a = start; a < end; a += 1L << m.pageShift()) {
                Vma vma = mm.vmas().vmaLookup(a);
                if (vma.anonVma() == null) {
                    vma.setAnonVma(new AnonVma(1));
                }
                long ptep = tables.ptep(cpu, mm, a, true);
                long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER_MOVABLE | Gfp.__GFP_ZERO, 0);
                if (ptep == UserPageTables.NO_PTEP || pfn == PageAllocator.NO_PFN) {
                    return -Errno.ENOMEM;
                }
                pages.setPageMapping(pfn, MappingWord.of(1, MappingWord.PAGE_MAPPING_ANON, a >>> m.pageShift()));
                m.pageFrames().setFlags(pfn, pfn + 1, PageFlags.PG_ANON_EXCLUSIVE | PageFlags.PG_SWAPBACKED, true);
                pages.pageAddMapcount(pfn, 1);
                int f = PteFlags.USER | PteFlags.ACCESSED | PteFlags.DIRTY
                        | ((vma.flags() & VmFlags.VM_WRITE) != 0 ? PteFlags.WRITE : 0);
                tables.writePte(ptep, tables.mkPte(pfn, f));
            }
            return 0;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void forkCopyOnWriteAndExit(String config) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
        Cpu cpu = m.mmu().cpu(0);
        PageApi pages = m.kernel().pages();
        long p = 1L << m.pageShift();
        UserPageTables tables = new UserPageTables(m.memory(), m.mmu().format(), pages, m.pageShift());
        AnonOnlyOps ops = new AnonOnlyOps(tables, pages, m);
        Mmap mmap = new Mmap(ops, Mman.Abi.of(m.arch().id()));
        ExitMmap exit = new ExitMmap(ops, pages, m.mmu());
        ForkMm fork = new ForkMm(pages, m.pageFrames(), tables, m.memory(), m.mmu(), m.layout(), m.log(), exit);
        m.scheduler().setMmOps(new MmLifecycle(fork, exit, m.mmu()));
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();

        Mm mm = Mm.alloc(cpu, pages, m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()), m.log());
        Task parent = m.scheduler().createUserTask("proc", mm);
        m.scheduler().contextSwitch(cpu, parent);
        long a = mmap.vmMmapPgoff(cpu, mm, 0, 2 * p, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_POPULATE, null, 0);
        assertThat(a).isEqualTo(mm.mmapBase() - 2 * p);
        cpu.setUserMode(true);
        cpu.store32(a + 4, 0x11223344);
        cpu.store32(a + p + 4, 0x55667788);
        cpu.setUserMode(false);

        Task child = m.scheduler().fork(cpu);
        Mm cmm = (Mm) child.mm();
        long pfn = tables.pfn(tables.readPte(tables.ptep(cpu, mm, a, false)));
        assertThat(tables.pfn(tables.readPte(tables.ptep(cpu, cmm, a, false)))).isEqualTo(pfn);
        assertThat(tables.flags(tables.readPte(tables.ptep(cpu, mm, a, false))) & PteFlags.WRITE).isZero();
        assertThat(tables.flags(tables.readPte(tables.ptep(cpu, cmm, a, false))) & PteFlags.WRITE).isZero();
        assertThat(pages.pageRefCount(pfn)).isEqualTo(2);
        assertThat(pages.pageMapcount(pfn)).isEqualTo(2);
        cpu.setUserMode(true);
        assertThatThrownBy(() -> cpu.store32(a + 4, 0)).as("COW: the parent's write faults now")
                .isInstanceOf(PageFaultException.class);
        cpu.setUserMode(false);

        m.scheduler().contextSwitch(cpu, child);
        cpu.setUserMode(true);
        assertThat(cpu.load32(a + 4)).isEqualTo(0x11223344);
        assertThat(cpu.load32(a + p + 4)).isEqualTo(0x55667788);
        cpu.setUserMode(false);
        m.scheduler().doExit(cpu, 0);
        m.scheduler().contextSwitch(cpu, parent);
        m.scheduler().doExit(cpu, 0);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("user pages, tables and both roots are back").isEqualTo(free);
    }
}
