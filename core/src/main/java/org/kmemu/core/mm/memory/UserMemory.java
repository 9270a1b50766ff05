package org.kmemu.core.mm.memory;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Mmap;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Mprotect;
import org.kmemu.core.mm.vma.Mremap;
import org.kmemu.core.mm.vma.PageTableOps;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.mmu.PageFaultHandler;

/**
 * User memory as one kernel service ({@code kernel().memory()}): the fault path ({@link #handleMmFault}, the
 * architecture's {@link #faultHandler()} that boot installs in the MMU), the page-table operations munmap,
 * mprotect, mremap and MAP_POPULATE use ({@link #pageTableOps()}), the mmap-family calls over them
 * ({@link #mmap()}, {@link #mprotect()}, {@link #mremap()}), fork's {@code dup_mm} and the teardown of an
 * exiting mm ({@link #lifecycle()}, which boot installs in the scheduler; {@link #exitMmap}), the
 * get_user_pages family ({@link #gup()}), {@code access_process_vm} ({@link #accessRemote()}), i386's 4G/4G
 * copy path ({@link #gupUserCopy()}), the shared zero page ({@code empty_zero_page}) and the fault counters.
 * See the package documentation for the PTE conventions. Thread-safe: every CPU's thread may call it.
 */
public final class UserMemory {
    private final UserPageTables tables;
    private final AnonRmap rmap;
    private final VmEvents events;
    private final MmFault fault;
    private final UserFaultHandler handler;
    private final UserPageTableOps ops;
    private final long zeroPfn;
    private final PageApi pages;
    private final PhysicalMemory memory;
    private final Mmu mmu;
    private final KernelLayout layout;
    private final String archId;
    private final KernelLog log;
    private final Mmap mmap;
    private final Mprotect mprotect;
    private final Mremap mremap;
    private final ExitMmap exit;
    private final ForkMm fork;
    private final MmLifecycle lifecycle;
    private final Gup gup;
    private final AccessRemote accessRemote;
    private final GupUserCopy gupUserCopy;
    private final RemapPfnRange remap;
    private final GenericAccessPhys genericAccessPhys;

    /**
     * Wires the fault path over the zero page the kernel image provides.
     *
     * @param archId    the architecture's id (the mmap layout of new mms)
     * @param layout    the kernel layout (TASK_SIZE, PAGE_OFFSET)
     * @param memory    RAM
     * @param frames    the page frames
     * @param zeroPfn   {@code empty_zero_page}: a reserved frame of the kernel image (its .bss, as on x86 and
     *                  powerpc), zeroed here as the kernel clears its .bss; never freed, never counted
     * @param pages     the page API
     * @param mmu       the MMU (the format, shootdowns)
     * @param highmem   kmap_local and kmap_atomic (access_process_vm, the 4G/4G copy path)
     * @param nrCpus    how many CPUs count events
     * @param log       the kernel log (the mmap lock's warnings)
     */
    public UserMemory(String archId, KernelLayout layout, PhysicalMemory memory, PageFrames frames, long zeroPfn,
            PageApi pages, Mmu mmu, Highmem highmem, int nrCpus, KernelLog log) {
        int pageShift = tablesPageShift(mmu);
        if (!frames.isReserved(zeroPfn)) {
            throw new IllegalArgumentException(String.format("zeroPfn: %#x (expected: a reserved frame of the kernel image)", zeroPfn));
        }
        memory.fill(zeroPfn << pageShift, (byte) 0, 1L << pageShift);
        this.tables = new UserPageTables(memory, mmu.format(), pages, pageShift);
        this.rmap = new AnonRmap(pages, frames, pageShift);
        this.events = new VmEvents(nrCpus);
        this.zeroPfn = zeroPfn;
        FaultSupport support = new FaultSupport(memory, tables, pages, rmap, mmu, zeroPfn);
        this.fault = new MmFault(support, events);
        this.handler = new UserFaultHandler(fault);
        this.ops = new UserPageTableOps(support, fault);
        this.pages = pages;
        this.memory = memory;
        this.mmu = mmu;
        this.layout = layout;
        this.archId = archId;
        this.log = log;
        this.mmap = new Mmap(ops, Mman.Abi.of(archId));
        this.mprotect = new Mprotect(ops);
        this.mremap = new Mremap(mmap);
        this.exit = new ExitMmap(ops, pages, mmu);
        this.fork = new ForkMm(pages, frames, tables, memory, mmu, layout, log, exit);
        this.lifecycle = new MmLifecycle(fork, exit, mmu);
        this.gup = new Gup(tables, pages, frames, fault::handleMmFault, zeroPfn, layout.taskSize(), log);
        this.accessRemote = new AccessRemote(gup, highmem, pages, pageShift);
        this.gupUserCopy = new GupUserCopy(gup, highmem, pages, pageShift);
        this.remap = new RemapPfnRange(support, frames, ops);
        this.genericAccessPhys = new GenericAccessPhys(tables, memory);
    }

    /** PAGE_SHIFT: the last level's index shift is the page's */
    private static int tablesPageShift(Mmu mmu) {
        return mmu.format().indexShift(mmu.format().levels() - 1);
    }

    /** @return {@code my_zero_pfn()}: the shared zero page's frame */
    public long zeroPfn() {
        return zeroPfn;
    }

    /**
     * {@code handle_mm_fault()}: see {@link MmFault#handleMmFault}. GUP calls it with the mmap lock held
     * for read and its own FAULT_FLAG_* bits.
     *
     * @param cpu     the faulting CPU
     * @param mm      the address space
     * @param vma     the VMA containing address
     * @param address the address
     * @param flags   FAULT_FLAG_* bits
     * @return VM_FAULT_* bits
     */
    public int handleMmFault(Cpu cpu, Mm mm, Vma vma, long address, int flags) {
        return fault.handleMmFault(cpu, mm, vma, address, flags);
    }

    /** @return the architecture's page-fault handler over this service, for {@link Mmu#setPageFaultHandler} */
    public PageFaultHandler faultHandler() {
        return handler;
    }

    /** @return the page-table operations the VMA layer calls */
    public PageTableOps pageTableOps() {
        return ops;
    }

    /**
     * {@code exit_mmap()}: see {@link ExitMmap}.
     *
     * @param cpu the calling CPU
     * @param mm  an mm no CPU runs any more
     */
    public void exitMmap(Cpu cpu, Mm mm) {
        exit.exitMmap(cpu, mm);
    }

    /** @return do_mmap, munmap and brk */
    public Mmap mmap() {
        return mmap;
    }

    /** @return mprotect */
    public Mprotect mprotect() {
        return mprotect;
    }

    /** @return mremap */
    public Mremap mremap() {
        return mremap;
    }

    /** @return fork's dup_mm and exit's mmput, for {@code Scheduler.setMmOps} */
    public MmLifecycle lifecycle() {
        return lifecycle;
    }

    /** @return the get_user_pages family */
    public Gup gup() {
        return gup;
    }

    /** @return access_process_vm / access_remote_vm */
    public AccessRemote accessRemote() {
        return accessRemote;
    }

    /** @return copy_to_user/copy_from_user as i386's 4G/4G split did them (GUP + kmap_atomic per page) */
    public GupUserCopy gupUserCopy() {
        return gupUserCopy;
    }

    /** @return remap_pfn_range, io_remap_pfn_range, vm_insert_page and remap_vmalloc_range, for a driver's ->mmap */
    public RemapPfnRange remap() {
        return remap;
    }

    /** @return the vm_ops of a raw-frame mapping with {@code .access = generic_access_phys} */
    public VmOperations genericAccessPhys() {
        return genericAccessPhys;
    }

    /**
     * {@code mm_alloc()}: a new, empty address space with this architecture's mmap layout.
     *
     * @param cpu the calling CPU
     * @return the mm, or null for -ENOMEM
     */
    public Mm mmAlloc(Cpu cpu) {
        return Mm.alloc(cpu, pages, mmu, MmapLayout.of(archId, layout, tables.pageShift()), log);
    }

    /** @return the walk to a user PTE in the arch's format */
    public UserPageTables userPageTables() {
        return tables;
    }

    /** @return the anonymous reverse map (anon_vma handles) */
    public AnonRmap anonRmap() {
        return rmap;
    }

    /** @return pgfault and pgmajfault, for /proc/vmstat */
    public VmEvents vmEvents() {
        return events;
    }
}
