package org.kmemu.core.kernel;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.CpuOwners;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.trace.KmapKind;
import org.kmemu.core.trace.Tracepoints;

/**
 * How the kernel reaches pages: {@code kmap}/{@code kunmap} (persistent, through the pkmap area) and
 * {@code kmap_local_page}/{@code kmap_atomic} (temporary, per-CPU fixmap slots used as a stack), as
 * mm/highmem.c and include/linux/highmem-internal.h do them. A lowmem page is simply its
 * {@code page_address}; on an architecture without highmem (x86_64) every call is.
 *
 * <h2>kmap</h2>
 * {@code pkmap_count[nr]}: 0 = free and flushed, 1 = mapped but unused (needs a TLB flush before
 * reuse), n = n - 1 users. A new mapping scans from {@code last_pkmap_nr}; when the index wraps,
 * {@code flush_all_zero_pkmaps()} clears every slot at 1 and flushes the pkmap range on every CPU
 * once. With every slot in use, {@code kmap} sleeps on {@code pkmap_map_wait} until a {@code kunmap}
 * drops a count to 1. {@code kmap} may sleep, so calling it in atomic context prints the kernel's
 * "BUG: sleeping function called from invalid context"; actually having to sleep there is
 * "BUG: scheduling while atomic", a {@link KernelBugException}.
 *
 * <h2>kmap_local / kmap_atomic</h2>
 * Slot {@code i} of CPU {@code c} is fixmap index FIX_KMAP_BEGIN + i + KM_MAX_IDX * c. Slots are pushed
 * and popped as a stack; unmapping an address that is not the top slot is the kernel's WARN, and the
 * top slot is unmapped anyway (kunmap_local_indexed). kmap_atomic also disables preemption and page
 * faults until the matching kunmap_atomic. Addresses from these are not known to page_address().
 *
 * <p>Locking: {@code kmap_lock} guards the pkmap state; the per-CPU stacks belong to their CPU's thread
 * (checked with {@link PerCpuOwnership#CHECKS} on). Page tables kmap needs are allocated as the
 * calling CPU.
 */
public final class Highmem {
    private final PageFrames frames;
    private final KernelLog log;
    private final KernelLayout layout;
    private final KernelPageTables tables;
    private final Mmu mmu;
    /** The machine's tracepoints: kmemu:kmap and kmemu:kunmap fire here. */
    private final Tracepoints trace;
    private final CpuOwners owners;
    private final int shift;
    private final int lastPkmap;
    private final int kmMaxIdx;
    private final int fixKmapBegin;

    private final ReentrantLock kmapLock = new ReentrantLock();
    private final Condition pkmapMapWait = kmapLock.newCondition();
    private final int[] pkmapCount;
    private final long[] pkmapPfn;
    private final Map<Long, Long> pageAddress = new HashMap<>();
    private int lastPkmapNr;
    private long pkmapFlushes;
    private final MightSleep mightSleep;

    private final int[] localDepth;
    private final long[][] localPfn;

    /**
     * @param layout     the kernel's virtual layout (the pkmap and fixmap windows, the lowmem limit)
     * @param mmu        the MMU: the kernel page tables the mappings go into, the TLBs they flush, the CPUs
     * @param frames     the page frames (pfn_valid)
     * @param log        where warnings and reports go
     * @param pageShift  PAGE_SHIFT
     * @param cpus       the number of CPUs (one kmap_local stack each)
     * @param mightSleep the machine's might_sleep() check, shared with the other services that may sleep
     */
    public Highmem(KernelLayout layout, Mmu mmu, PageFrames frames, KernelLog log, int pageShift, int cpus,
            MightSleep mightSleep) {
        this.frames = frames;
        this.log = log;
        this.mightSleep = mightSleep;
        this.layout = layout;
        this.tables = mmu.kernelTables();
        this.mmu = mmu;
        this.trace = mmu.tracepoints();
        this.owners = mmu.owners();
        this.shift = pageShift;
        this.lastPkmap = layout.lastPkmap();
        this.kmMaxIdx = layout.kmapLocalSlots();
        this.fixKmapBegin = layout.fixKmapBegin();
        this.pkmapCount = new int[lastPkmap];
        this.pkmapPfn = new long[lastPkmap];
        this.localDepth = new int[cpus];
        this.localPfn = new long[cpus][kmMaxIdx];
    }

    private boolean highmem(long pfn) {
        return lastPkmap > 0 && pfn >= layout.maxLowPfn();
    }

    private long lowmemAddress(long pfn) {
        return layout.va(pfn << shift);
    }

    private long pkmapAddr(int nr) {
        return layout.pkmapBase() + ((long) nr << shift);
    }

    private long fixToVirt(int idx) {
        return layout.fixaddrTop() - ((long) idx << shift);
    }

    /**
     * {@code page_address()}: a lowmem page's direct-map address, a kmapped highmem page's pkmap
     * address, or 0 (NULL) for a highmem page that kmap has not mapped.
     *
     * @param pfn a page
     * @return its kernel address or 0
     */
    public long pageAddress(long pfn) {
        if (!highmem(pfn)) {
            return lowmemAddress(pfn);
        }
        kmapLock.lock();
        try {
            return pageAddress.getOrDefault(pfn, 0L);
        } finally {
            kmapLock.unlock();
        }
    }

    // ---- kmap -----------------------------------------------------------------------------------

    /**
     * {@code kmap(page)}.
     *
     * @param cpu the calling CPU
     * @param pfn the page
     * @return its kernel address, valid until the matching {@link #kunmap}
     */
    public long kmap(Cpu cpu, long pfn) {
        mightSleep.mightSleep(cpu, "mm/highmem.c kmap");
        checkPage("kmap", pfn);
        if (!highmem(pfn)) {
            return traceKmap(cpu, pfn, lowmemAddress(pfn), KmapKind.KMAP, false);
        }
        long vaddr = kmapHigh(cpu, pfn);
        return traceKmap(cpu, pfn, vaddr, KmapKind.KMAP, true);
    }

    /** kmemu:kmap (not a Linux tracepoint). @return vaddr */
    private long traceKmap(Cpu cpu, long pfn, long vaddr, int kind, boolean high) {
        if (trace.active()) {
            trace.kmap(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), pfn, vaddr, kind, high);
        }
        return vaddr;
    }

    private void traceKunmap(Cpu cpu, long vaddr, int kind) {
        if (trace.active()) {
            trace.kunmap(cpu.id(), cpu.clockNanos(), cpu.traceComm(), cpu.tracePid(), vaddr, kind);
        }
    }

    /** kmap_high(). */
    private long kmapHigh(Cpu cpu, long pfn) {
        kmapLock.lock();
        try {
            long vaddr = pageAddress.getOrDefault(pfn, 0L);
            if (vaddr == 0) {
                vaddr = mapNewVirtual(cpu, pfn);
            }
            int nr = (int) ((vaddr - layout.pkmapBase()) >>> shift);
            pkmapCount[nr]++;
            assert pkmapCount[nr] >= 2;
            return vaddr;
        } finally {
            kmapLock.unlock();
        }
    }

    /** map_new_virtual(); called with kmap_lock held, may wait on pkmap_map_wait. */
    private long mapNewVirtual(Cpu cpu, long pfn) {
        while (true) {
            int count = lastPkmap;
            boolean found = false;
            while (!found) {
                lastPkmapNr = (lastPkmapNr + 1) & (lastPkmap - 1);
                if (lastPkmapNr == 0) {
                    flushAllZeroPkmaps(cpu);
                    count = lastPkmap;
                }
                if (pkmapCount[lastPkmapNr] == 0) {
                    found = true;
                } else if (--count == 0) {
                    if (cpu.inAtomicContext()) {
                        throw bug("BUG: scheduling while atomic: " + cpu.current().comm() + "/" + cpu.current().pid() + "/0x"
                                + String.format("%08x", cpu.preemptCount()) + " (kmap: all " + lastPkmap + " pkmap slots in use)");
                    }
                    pkmapMapWait.awaitUninterruptibly();
                    long mapped = pageAddress.getOrDefault(pfn, 0L);
                    if (mapped != 0) {
                        return mapped;
                    }
                    count = lastPkmap;
                }
            }
            long vaddr = pkmapAddr(lastPkmapNr);
            if (!tables.mapPage(cpu, vaddr, pfn << shift, PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.ACCESSED | PteFlags.DIRTY)) {
                throw noTable("kmap", vaddr);
            }
            pkmapCount[lastPkmapNr] = 1;
            pkmapPfn[lastPkmapNr] = pfn;
            pageAddress.put(pfn, vaddr);
            return vaddr;
        }
    }

    /** flush_all_zero_pkmaps(): frees every slot at count 1, then one TLB flush of the pkmap range. */
    private void flushAllZeroPkmaps(Cpu cpu) {
        boolean needFlush = false;
        for (int nr = 0; nr < lastPkmap; nr++) {
            if (pkmapCount[nr] != 1) {
                continue;
            }
            pkmapCount[nr] = 0;
            tables.clearPage(pkmapAddr(nr));
            pageAddress.remove(pkmapPfn[nr]);
            needFlush = true;
        }
        if (needFlush) {
            mmu.flushTlbKernelRange(cpu, pkmapAddr(0), pkmapAddr(0) + ((long) lastPkmap << shift));
            pkmapFlushes++;
        }
    }

    /**
     * {@code kunmap(page)}.
     *
     * @param cpu the calling CPU
     * @param pfn the page kmap mapped
     */
    public void kunmap(Cpu cpu, long pfn) {
        if (!highmem(pfn)) {
            traceKunmap(cpu, lowmemAddress(pfn), KmapKind.KMAP);
            return;
        }
        kmapLock.lock();
        try {
            long vaddr = pageAddress.getOrDefault(pfn, 0L);
            if (vaddr == 0) {
                throw bug(String.format("kernel BUG at mm/highmem.c (kunmap_high)! pfn %#x is not kmapped", pfn));
            }
            traceKunmap(cpu, vaddr, KmapKind.KMAP);
            int nr = (int) ((vaddr - layout.pkmapBase()) >>> shift);
            if (--pkmapCount[nr] == 0) {
                pkmapCount[nr] = 1;
                throw bug(String.format("kernel BUG at mm/highmem.c (kunmap_high)! unbalanced kunmap of pfn %#x", pfn));
            }
            if (pkmapCount[nr] == 1) {
                pkmapMapWait.signalAll();
            }
        } finally {
            kmapLock.unlock();
        }
    }

    /** @param nr a pkmap slot @return {@code pkmap_count[nr]} */
    public int pkmapCount(int nr) {
        kmapLock.lock();
        try {
            return pkmapCount[nr];
        } finally {
            kmapLock.unlock();
        }
    }

    /** @return how many times flush_all_zero_pkmaps flushed the pkmap range */
    public long pkmapFlushes() {
        kmapLock.lock();
        try {
            return pkmapFlushes;
        } finally {
            kmapLock.unlock();
        }
    }

    // ---- kmap_local / kmap_atomic -----------------------------------------------------------------

    /**
     * {@code kmap_local_page(page)}.
     *
     * @param cpu the calling CPU
     * @param pfn the page
     * @return a temporary address, valid until the matching {@link #kunmapLocal}
     */
    public long kmapLocal(Cpu cpu, long pfn) {
        return kmapLocal(cpu, pfn, KmapKind.KMAP_LOCAL);
    }

    private long kmapLocal(Cpu cpu, long pfn, int kind) {
        checkPage("kmap_local_page", pfn);
        if (!highmem(pfn)) {
            return traceKmap(cpu, pfn, lowmemAddress(pfn), kind, false);
        }
        int c = cpu.id();
        if (PerCpuOwnership.CHECKS) {
            owners.check(c, "kmap_local_page", "kmap_local slots");
        }
        int idx = localDepth[c];
        if (idx >= kmMaxIdx) {
            throw bug("kernel BUG at mm/highmem.c (kmap_local_idx_push)! more than KM_MAX_IDX=" + kmMaxIdx
                    + " nested kmap_local on CPU " + c);
        }
        long vaddr = fixToVirt(fixKmapBegin + idx + kmMaxIdx * c);
        if (!tables.mapPage(cpu, vaddr, pfn << shift, PteFlags.WRITE | PteFlags.GLOBAL | PteFlags.ACCESSED | PteFlags.DIRTY)) {
            throw noTable("kmap_local", vaddr);
        }
        localDepth[c] = idx + 1;
        localPfn[c][idx] = pfn;
        return traceKmap(cpu, pfn, vaddr, kind, true);
    }

    /**
     * {@code kunmap_local(addr)}: unmaps the CPU's top slot; an address that is not the top slot is
     * the kernel's WARN (and the top slot goes anyway, as kunmap_local_indexed does).
     *
     * @param cpu   the calling CPU
     * @param vaddr the address kmapLocal returned
     */
    public void kunmapLocal(Cpu cpu, long vaddr) {
        kunmapLocal(cpu, vaddr, KmapKind.KMAP_LOCAL);
    }

    private void kunmapLocal(Cpu cpu, long vaddr, int kind) {
        traceKunmap(cpu, vaddr, kind);
        int c = cpu.id();
        long first = fixToVirt(fixKmapBegin + kmMaxIdx * c + kmMaxIdx - 1);
        long last = fixToVirt(fixKmapBegin + kmMaxIdx * c);
        if (lastPkmap == 0 || Long.compareUnsigned(vaddr, first) < 0 || Long.compareUnsigned(vaddr, last) > 0) {
            return; // a lowmem page: kmap_local gave its page_address
        }
        if (PerCpuOwnership.CHECKS) {
            owners.check(c, "kunmap_local", "kmap_local slots");
        }
        int top = localDepth[c] - 1;
        if (top < 0) {
            throw bug("kernel BUG at mm/highmem.c (kunmap_local_indexed)! no kmap_local slot in use on CPU " + c);
        }
        long topAddr = fixToVirt(fixKmapBegin + top + kmMaxIdx * c);
        if (topAddr != vaddr) {
            log.printk(cpu.id(), LogLevel.WARNING, String.format("WARNING: CPU: %d PID: %d at mm/highmem.c kunmap_local_indexed: unmapping %#x but"
                    + " the top kmap_local slot is %#x (expected: unmap in reverse order of mapping)", c, cpu.current().pid(), vaddr,
                    topAddr));
        }
        tables.clearPage(topAddr);
        cpu.localFlushTlbPage(topAddr);
        localDepth[c] = top;
    }

    /**
     * {@code kmap_atomic(page)}: preemption and page faults off, then a kmap_local slot.
     *
     * @param cpu the calling CPU
     * @param pfn the page
     * @return a temporary address, valid until {@link #kunmapAtomic}
     */
    public long kmapAtomic(Cpu cpu, long pfn) {
        cpu.preemptDisable();
        cpu.pagefaultDisable();
        try {
            return kmapLocal(cpu, pfn, KmapKind.KMAP_ATOMIC);
        } catch (KernelBugException e) {
            // The oops ends the call; the CPU is left as it was, not in atomic context.
            cpu.pagefaultEnable();
            cpu.preemptEnable();
            throw e;
        }
    }

    /**
     * {@code kunmap_atomic(addr)}.
     *
     * @param cpu   the calling CPU
     * @param vaddr the address kmapAtomic returned
     */
    public void kunmapAtomic(Cpu cpu, long vaddr) {
        kunmapLocal(cpu, vaddr, KmapKind.KMAP_ATOMIC);
        if (cpu.preemptCount() == 0 || cpu.pagefaultDisabled() == 0) {
            // An unbalanced kunmap_atomic (of a lowmem address, which has no slot to check): preempt_count_sub's
            // DEBUG_LOCKS_WARN_ON (kernel/sched/core.c, CONFIG_DEBUG_PREEMPT); the counts stay at 0.
            KernelWarning.warnWithMessage(log, cpu, "DEBUG_LOCKS_WARN_ON(val > preempt_count())",
                    "kernel/sched/core.c preempt_count_sub");
            return;
        }
        cpu.pagefaultEnable();
        cpu.preemptEnable();
    }

    /** @param cpu a CPU @return how many kmap_local slots it holds */
    public int kmapLocalDepth(Cpu cpu) {
        return localDepth[cpu.id()];
    }

    /**
     * The kernel writes pkmap and fixmap PTEs into tables it made at boot (pkmap_page_table, the fixmap's
     * kmap_pte) and never allocates here; kmemu's architectures make them at boot too, so a missing table
     * is an emulator bug, reported as the kernel would report a NULL pte.
     */
    private KernelBugException noTable(String function, long vaddr) {
        return bug(String.format("kernel BUG at mm/highmem.c (%s)! no page table for %#x: the boot-time tables are missing",
                function, vaddr));
    }

    /**
     * kmemu names a page by its pfn; a pfn without a struct page (NO_PFN from a failed alloc_pages, a
     * hole, beyond RAM) is the kernel's wild or NULL struct page pointer, which PageHighMem() already
     * dereferences: an oops.
     */
    private void checkPage(String function, long pfn) {
        if (!frames.pfnValid(pfn)) {
            throw bug(String.format("BUG: unable to handle page fault: %s(page of pfn %#x): no struct page (pfn_valid fails)",
                    function, pfn));
        }
    }

    private KernelBugException bug(String line) {
        log.printk(org.kmemu.api.LogLevel.EMERG, line);
        return new KernelBugException(java.util.List.of(line));
    }
}
