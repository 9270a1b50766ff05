package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.TestMachines;

/** A booted machine with one user task running on CPU 0 over a fresh mm, and a small handle_mm_fault of the test's own. */
final class GupRig {
    static final long MB = 1L << 20;
    final Machine m;
    final Cpu cpu;
    final PageApi pages;
    final Mm mm;
    final Task task;
    final UserPageTables tables;
    final TestFaults faults;
    final Gup gup;
    final long zeroPfn;
    final long freeAtStart;

    GupRig(String arch) {
        m = switch (arch) {
            case "x86_64" -> TestMachines.x86_64(64 * MB);
            case "i386" -> TestMachines.i386(64 * MB);
            case "e500-like" -> TestMachines.boot(new org.kmemu.core.testing.I386TestArch(true), 64 * MB, 2);
            default -> throw new IllegalArgumentException("arch: " + arch + " (expected: x86_64, i386 or e500-like)");
        };
        cpu = m.mmu().cpu(0);
        pages = m.kernel().pages();
        zeroPfn = pages.allocPages(cpu, Gfp.__GFP_ZERO, 0);
        freeAtStart = m.nrFreePages();
        mm = Mm.alloc(cpu, pages, m.mmu(), MmapLayout.of(arch, m.layout(), m.pageShift()), m.log());
        task = m.scheduler().createUserTask("gup-test", mm);
        m.scheduler().contextSwitch(cpu, task);
        tables = new UserPageTables(m.memory(), m.mmu().format(), pages, m.pageShift());
        faults = new TestFaults(this);
        gup = new Gup(tables, pages, m.pageFrames(), faults, zeroPfn, m.layout().taskSize(), m.log());
    }

    Vma map(long start, int nrPages, long flags, VmFile file) {
        mm.mmapLock().writeLock();
        try {
            return mm.vmas().mapRange(start, start + ((long) nrPages << m.pageShift()), flags, start >>> m.pageShift(),
                    file, null);
        } finally {
            mm.mmapLock().writeUnlock();
        }
    }

    /** Installs a do_page_fault of the test's own over {@link TestFaults}, so that CPU accesses fault pages in. */
    void installFaultHandler() {
        m.mmu().setPageFaultHandler((c, address, access, userMode, errorCode) -> {
            Mm cur = (Mm) c.current().mm();
            cur.mmapLock().readLock();
            try {
                Vma v = cur.vmas().vmaLookup(address);
                if (v == null) {
                    return org.kmemu.core.mmu.FaultResult.FIXUP;
                }
                boolean write = access == org.kmemu.api.Access.WRITE;
                if (write && (v.flags() & VmFlags.VM_WRITE) == 0) {
                    return org.kmemu.core.mmu.FaultResult.FIXUP;
                }
                faults.handleMmFault(c, cur, v, address, write ? FaultFlags.FAULT_FLAG_WRITE : 0);
                return org.kmemu.core.mmu.FaultResult.RETRY;
            } finally {
                cur.mmapLock().readUnlock();
            }
        });
    }

    long pte(long addr) {
        long ptep = tables.ptep(cpu, mm, addr, false);
        return ptep == UserPageTables.NO_PTEP ? 0 : tables.readPte(ptep);
    }

    int refcount(long pfn) {
        return pages.pageRefCount(pfn);
    }

    /** Zaps every user PTE this test made and frees the mm: every page must be back. */
    void teardown() {
        for (long[] e : faults.mapped) {
            long ptep = tables.ptep(cpu, mm, e[0], false);
            long pte = tables.readPte(ptep);
            if (tables.present(pte)) {
                long pfn = tables.pfn(pte);
                tables.writePte(ptep, 0);
                if (pfn != zeroPfn) {
                    pages.pageAddMapcount(pfn, -1);
                    pages.putPage(cpu, pfn);
                }
            }
        }
        m.scheduler().contextSwitch(cpu, m.scheduler().idleTask(0));
        m.scheduler().leaveMm(cpu);
        mm.destroy(cpu, pages, m.mmu());
        assertThat(m.nrFreePages()).as("every page back").isEqualTo(freeAtStart);
    }

    /** handle_mm_fault for the test: demand-zero anonymous pages, the zero page on read, a private copy on write. */
    static final class TestFaults implements MmFaultHandler {
        final GupRig r;
        final List<long[]> mapped = new ArrayList<>();
        final List<Integer> flagsSeen = new ArrayList<>();
        long retryOnceAt = -1;
        int calls;

        TestFaults(GupRig r) {
            this.r = r;
        }

        @Override
        public int handleMmFault(Cpu cpu, Mm mm, Vma vma, long address, int faultFlags) {
            calls++;
            flagsSeen.add(faultFlags);
            long addr = address & -(1L << r.m.pageShift());
            if (addr == retryOnceAt && (faultFlags & FaultFlags.FAULT_FLAG_ALLOW_RETRY) != 0
                    && (faultFlags & FaultFlags.FAULT_FLAG_TRIED) == 0) {
                retryOnceAt = -1;
                mm.mmapLock().readUnlock(); // as filemap_fault does while it waits for the read
                return VmFaultCodes.VM_FAULT_RETRY | VmFaultCodes.VM_FAULT_MAJOR;
            }
            boolean write = (faultFlags & FaultFlags.FAULT_FLAG_WRITE) != 0;
            synchronized (mm.pageTableLock()) {
                long ptep = r.tables.ptep(cpu, mm, addr, true);
                long pte = r.tables.readPte(ptep);
                boolean vmWrite = (vma.flags() & VmFlags.VM_WRITE) != 0;
                if (r.tables.present(pte) && !write && (faultFlags & FaultFlags.FAULT_FLAG_UNSHARE) == 0) {
                    return 0;
                }
                if (!r.tables.present(pte) && !write) {
                    r.tables.writePte(ptep, r.tables.mkPte(r.zeroPfn, PteFlags.USER));
                    mapped.add(new long[] {addr});
                    return 0;
                }
                long pfn = r.pages.allocPages(cpu, Gfp.GFP_HIGHUSER | Gfp.__GFP_ZERO, 0);
                if (r.tables.present(pte)) {
                    long old = r.tables.pfn(pte);
                    r.m.memory().copy(pfn << r.m.pageShift(), old << r.m.pageShift(), 1 << r.m.pageShift());
                    if (old != r.zeroPfn) {
                        r.pages.pageAddMapcount(old, -1);
                        r.pages.putPage(cpu, old);
                    }
                } else {
                    mapped.add(new long[] {addr});
                }
                r.pages.setPageMapping(pfn, MappingWord.of(1, MappingWord.PAGE_MAPPING_ANON, addr >>> r.m.pageShift()));
                r.m.pageFrames().setFlags(pfn, pfn + 1, PageFlags.PG_ANON_EXCLUSIVE, true);
                r.pages.pageAddMapcount(pfn, 1);
                r.tables.writePte(ptep, r.tables.mkPte(pfn, PteFlags.USER | (vmWrite ? PteFlags.WRITE | PteFlags.DIRTY : 0)));
                r.m.mmu().flushTlbPage(cpu, addr);
                return 0;
            }
        }
    }
}
