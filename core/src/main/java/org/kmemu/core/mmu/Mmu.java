package org.kmemu.core.mmu;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PgdSync;
import org.kmemu.api.TlbModel;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.trace.TlbFlushReason;
import org.kmemu.core.trace.Tracepoints;

/**
 * The machine's MMU: the architecture's page-table format over emulated RAM, the kernel's page
 * tables ({@code swapper_pg_dir}), and the CPUs that translate through them. TLB shootdowns go
 * through here: the calling CPU flushes at once, the others when they next access memory
 * (arch/x86/mm/tlb.c {@code flush_tlb_kernel_range}, {@code flush_tlb_mm_range}).
 *
 * <p>Made once at boot; the CPUs it hands out are each driven by one thread at a time.
 */
public final class Mmu {
    private final PhysicalMemory memory;
    private final PageTableWalker walker;
    private final KernelPageTables kernelTables;
    private final Cpu[] cpus;
    private final TlbModel tlbModel;
    private final List<KernelMapping> pinnedEntries;
    private final CpuOwners owners;
    private final PageFaultEntry faults;
    private final MmuContextIds contextIds;
    private final MmuContext initMm;
    private final PgdSync pgdSync;
    private final boolean prepopulateUserRoot;
    /** The machine's memory tracepoints: one per machine, here because the MMU is built first and fires too. */
    private final Tracepoints tracepoints = new Tracepoints();
    /** Live address spaces by root, for {@link #flushTlbMm(Cpu, long)}; not on any hot path. */
    private final java.util.concurrent.ConcurrentHashMap<Long, MmuContext> byRoot = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param arch         the architecture
     * @param layout       its layout on this machine
     * @param memory       the machine's RAM
     * @param kernelTables the kernel page tables boot built
     * @param owners       which thread runs as each CPU (its {@link CpuOwners#nrCpus()} is the CPU count)
     */
    public Mmu(ArchSpec arch, KernelLayout layout, PhysicalMemory memory, KernelPageTables kernelTables, CpuOwners owners) {
        int nrCpus = owners.nrCpus();
        this.owners = owners;
        this.memory = memory;
        this.walker = kernelTables.walker();
        this.kernelTables = kernelTables;
        this.tlbModel = arch.tlbModel();
        List<KernelMapping> pins = List.copyOf(arch.pinnedTranslations(layout));
        this.pinnedEntries = pins;
        PinnedTlb pinned = pins.isEmpty() ? null : new PinnedTlb(pins);
        boolean nx = arch.cpuFeatures().contains(CpuFeature.NX);
        boolean smep = arch.cpuFeatures().contains(CpuFeature.SMEP);
        boolean smap = arch.cpuFeatures().contains(CpuFeature.SMAP);
        this.faults = new PageFaultEntry(arch, layout.taskSize(), smap, tracepoints);
        this.pgdSync = arch.pgdSync();
        this.prepopulateUserRoot = arch.prepopulateUserRoot();
        this.contextIds = tlbModel.tagged() ? new MmuContextIds(tlbModel.contextIds(), nrCpus) : null;
        // init_mm: context id 0, the kernel's TID; "active on all possible CPUs" (mmu_context_init).
        this.initMm = new MmuContext(kernelTables.root(), tlbModel.tagged() ? 0 : MmuContext.NO_CONTEXT);
        initMm.active = nrCpus;
        boolean kernelRootWalk = pgdSync == PgdSync.KERNEL_ROOT_WALK;
        this.cpus = new Cpu[nrCpus];
        for (int i = 0; i < nrCpus; i++) {
            initMm.cpumask.set(i);
            cpus[i] = new Cpu(i, memory, walker, new Tlb(tlbModel.sets(), tlbModel.ways(), tlbModel.stlbSets(), tlbModel.stlbWays()), pinned, faults,
                    tlbModel.softwareRefill(), nx, smep, smap, initMm, owners, contextIds, tlbModel.flushContextOnly(),
                    layout.kernelSpaceStart(), kernelRootWalk, tracepoints);
        }
    }

    /**
     * @return the machine's memory tracepoints, which the MMU (tlb_flush, tlb_miss, the page faults) and every
     *         kernel service fire; the one {@code Tracepoints} of the machine
     */
    public Tracepoints tracepoints() {
        return tracepoints;
    }

    /** @return {@code init_mm}'s context: the kernel root, context id 0 on a tagged TLB */
    public MmuContext initMmContext() {
        return initMm;
    }

    /**
     * {@code init_new_context}: the MMU side of a new address space, with no context id yet.
     *
     * @param root the physical address of its root table
     * @return the context
     */
    public MmuContext newContext(long root) {
        MmuContext c = new MmuContext(root, MmuContext.NO_CONTEXT);
        if (byRoot.putIfAbsent(root, c) != null) {
            throw new IllegalStateException(String.format("init_new_context: root %#x is live (expected: a new root table)", root));
        }
        return c;
    }

    /**
     * {@code destroy_context}: gives the address space's context id back (tagged TLBs). No CPU may run it;
     * exit_mmap's {@link #flushTlbMm} has removed its entries.
     *
     * @param context the address space
     * @throws IllegalStateException if a CPU still runs it
     */
    public void destroyContext(MmuContext context) {
        if (contextIds != null) {
            contextIds.destroy(context);
        }
        byRoot.remove(context.root(), context);
    }

    /** @return context ids free now (tagged TLBs), or -1 on a TLB without context ids */
    public int freeContextIds() {
        return contextIds == null ? -1 : contextIds.nrFreeContexts();
    }

    /** @return how many context ids were stolen since boot (tagged TLBs), 0 elsewhere */
    public long contextSteals() {
        return contextIds == null ? 0 : contextIds.steals();
    }

    /** @return how new kernel root entries reach process roots ({@link ArchSpec#pgdSync()}) */
    public PgdSync pgdSync() {
        return pgdSync;
    }

    /** @return whether pgd_alloc fills the user root entries at once ({@link ArchSpec#prepopulateUserRoot()}) */
    public boolean prepopulateUserRoot() {
        return prepopulateUserRoot;
    }

    /** @param id a CPU number @return that CPU */
    public Cpu cpu(int id) {
        return cpus[id];
    }

    /** @return which thread runs as each CPU (the debug tier's {@link org.kmemu.api.PerCpuOwnership}) */
    public CpuOwners owners() {
        return owners;
    }

    /**
     * Installs the kernel's page-fault handler for every CPU (handle_mm_fault's place), replacing the
     * previous one; faults being handled on other CPUs finish with the handler they started with.
     *
     * @param handler the handler; {@link PageFaultHandler#NO_MM} is the default
     */
    public void setPageFaultHandler(PageFaultHandler handler) {
        faults.setHandler(handler);
    }

    /** @return the page-fault handler the CPUs call */
    public PageFaultHandler pageFaultHandler() {
        return faults.handler();
    }

    /** @return how many CPUs */
    public int nrCpus() {
        return cpus.length;
    }

    /** @return the page-table format */
    public PageTableFormat format() {
        return walker.format();
    }

    /** @return the TLB geometry and refill model */
    public TlbModel tlbModel() {
        return tlbModel;
    }

    /** @return the translations pinned at boot (e500's TLB1 entries), by hardware index; empty elsewhere */
    public List<KernelMapping> pinnedTranslations() {
        return pinnedEntries;
    }

    /**
     * @param vaddr a virtual address
     * @return the index of the pinned entry that translates it (the CPU never walks the tables for it), or -1
     */
    public int pinnedIndex(long vaddr) {
        for (int i = 0; i < pinnedEntries.size(); i++) {
            KernelMapping e = pinnedEntries.get(i);
            if (Long.compareUnsigned(vaddr - e.virt(), e.size()) < 0) {
                return i;
            }
        }
        return -1;
    }

    /** @return the kernel page tables */
    public KernelPageTables kernelTables() {
        return kernelTables;
    }

    /** @return the machine's RAM */
    public PhysicalMemory memory() {
        return memory;
    }

    /** {@code flush_tlb_all()}: every CPU drops every non-pinned entry. @param self the calling CPU */
    public void flushTlbAll(Cpu self) {
        for (Cpu c : cpus) {
            if (c == self) {
                c.localFlushTlbAll();
            } else {
                c.postFlush(Cpu.FLUSH_ALL, 0, 0, 0);
            }
        }
        sentIpis(self, cpus.length > 1, TlbFlushReason.FLUSH_ALL);
    }

    /** tlb_flush(TLB_REMOTE_SEND_IPI, pages) on the initiating CPU, once, if it sent any shootdown. */
    private void sentIpis(Cpu self, boolean sent, long pages) {
        if (sent && tracepoints.active()) {
            self.traceTlbFlush(TlbFlushReason.REMOTE_SEND_IPI, pages);
        }
    }

    /**
     * {@code flush_tlb_kernel_range()}: every CPU drops [start, end).
     *
     * @param self  the calling CPU
     * @param start first address
     * @param end   end address
     */
    public void flushTlbKernelRange(Cpu self, long start, long end) {
        for (Cpu c : cpus) {
            if (c == self) {
                c.localFlushTlbRange(start, end);
            } else {
                c.postFlush(Cpu.FLUSH_RANGE, start, end, 0);
            }
        }
        sentIpis(self, cpus.length > 1, Cpu.rangePages(start, end));
    }

    /**
     * {@code flush_tlb_page()}: every CPU drops one page.
     *
     * @param self  the calling CPU
     * @param vaddr the page
     */
    public void flushTlbPage(Cpu self, long vaddr) {
        long page = vaddr & ~0xfffL;
        flushTlbKernelRange(self, page, page + 4096);
    }

    /**
     * {@code flush_tlb_mm()}. Untagged TLB (x86): every CPU running the address space drops its non-global
     * entries. Tagged TLB (e500, arch/powerpc/mm/nohash/tlb.c): every CPU drops the entries of the mm's
     * context id, whatever it runs now (they would match again when it switches back); an mm without an
     * id has nothing cached.
     *
     * @param self    the calling CPU
     * @param context the address space
     */
    public void flushTlbMm(Cpu self, MmuContext context) {
        long root = context.root();
        int id = context.id;
        if (contextIds != null && id == MmuContext.NO_CONTEXT) {
            return;
        }
        for (Cpu c : cpus) {
            if (c == self) {
                if (contextIds != null) {
                    c.localFlushContext(id, TlbFlushReason.LOCAL_MM_SHOOTDOWN);
                } else if (c.root() == root) {
                    c.localFlushTlbMm();
                }
            } else {
                c.postFlush(Cpu.FLUSH_MM, id, 0, root);
            }
        }
        sentIpis(self, cpus.length > 1, TlbFlushReason.FLUSH_ALL);
    }

    /**
     * {@code flush_tlb_mm()} by root table: {@link #flushTlbMm(Cpu, MmuContext)} for the live address space
     * with that root ({@code init_mm}'s for the kernel root).
     *
     * @param self the calling CPU
     * @param root the address space's root table
     * @throws IllegalArgumentException if no live address space has that root
     */
    public void flushTlbMm(Cpu self, long root) {
        MmuContext context = root == initMm.root() ? initMm : byRoot.get(root);
        if (context == null) {
            throw new IllegalArgumentException(String.format("flush_tlb_mm: root %#x (expected: the root of a live mm)", root));
        }
        flushTlbMm(self, context);
    }

    /**
     * {@code leave_mm} on every CPU still running an address space that is about to be freed (lazily, under a
     * kernel thread or idle task): the calling CPU switches to init_mm now, the others before their
     * next access (the flush IPI's {@code switch_mm_irqs_off(NULL, &init_mm, NULL)}, arch/x86/mm/tlb.c).
     *
     * @param self the calling CPU
     * @param root the dying address space's root table
     */
    public void leaveMm(Cpu self, long root) {
        for (Cpu c : cpus) {
            if (c == self) {
                if (c.root() == root) {
                    c.switchMm(initMm);
                }
            } else if (c.root() == root) {
                c.postFlush(Cpu.LEAVE_MM, 0, 0, root);
            }
        }
    }

    /**
     * {@code flush_tlb_mm_range()} (arch/x86/mm/tlb.c): the user range [start, end) of one address space
     * goes from every CPU running it. The calling CPU flushes at once; a CPU whose root is {@code root} gets
     * a shootdown, applied before its next access (it checks the root again then, as a CPU that switched
     * away has flushed its non-global entries anyway). A CPU that switches to the mm later starts with a
     * flushed TLB ({@link Cpu#switchMm}), which is why the root decides, as {@code mm_cpumask} does. On a
     * tagged TLB (e500) a CPU that switched away keeps the mm's entries under its context id, so every CPU
     * drops the range (under every id, as {@code flush_tlb_range}'s {@code __tlbil_va} broadcast does at
     * least).
     *
     * @param self  the calling CPU
     * @param root  the address space's root table
     * @param start first address
     * @param end   end address
     */
    public void flushTlbMmRange(Cpu self, long root, long start, long end) {
        boolean sent = false;
        for (Cpu c : cpus) {
            if (c == self) {
                c.localFlushTlbRange(start, end, TlbFlushReason.LOCAL_MM_SHOOTDOWN);
            } else if (contextIds != null) {
                c.postFlush(Cpu.FLUSH_RANGE, start, end, 0);
                sent = true;
            } else if (c.root() == root) {
                c.postFlush(Cpu.FLUSH_MM_RANGE, start, end, root);
                sent = true;
            }
        }
        sentIpis(self, sent, Cpu.rangePages(start, end));
    }

    /**
     * Walks {@code root}'s tables for {@code vaddr} without touching accessed/dirty or any TLB, for
     * {@code kmemu translate}.
     *
     * @param root  a root table
     * @param vaddr the address
     * @return each level's index, entry and meaning, then the result
     */
    public WalkReport walk(long root, long vaddr) {
        return WalkReport.of(walker, root, vaddr);
    }

    /** @return every CPU's TLB counters */
    public List<TlbStats> tlbStats() {
        List<TlbStats> out = new ArrayList<>();
        for (Cpu c : cpus) {
            out.add(c.tlbStats());
        }
        return out;
    }
}
