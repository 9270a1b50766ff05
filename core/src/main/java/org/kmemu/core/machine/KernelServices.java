package org.kmemu.core.machine;

import org.kmemu.api.ConfigView;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.ZoneType;
import org.kmemu.core.fs.RamFs;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.kernel.AddressTranslation;
import org.kmemu.core.kernel.DirectMapMemory;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.IoAccessors;
import org.kmemu.core.kernel.IoRemap;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.kernel.MightSleep;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.trace.TraceBuffer;
import org.kmemu.core.trace.Tracepoints;

/**
 * Wires the kernel services of a booted machine: each service's constructor takes exactly what it uses
 * (the page allocator, the page frames, the layout, RAM, the MMU, the log, the trace buffer, the clock's
 * costs, other services), and this class, which alone knows the {@link Machine}, hands those parts over.
 * Boot calls {@link #kernel} once; tests that want one service on a test machine call its method here.
 * No service holds the Machine, so the Machine, which holds the {@link Kernel}
 * facade, is not reachable from a service: the Machine↔Kernel cycle is gone.
 */
public final class KernelServices {
    private KernelServices() {
    }

    /**
     * Brings up the kernel services of a booted machine in the order mm_core_init does: pages, then slab,
     * then highmem and vmalloc, then the file system, then user memory, whose page-fault handler goes into
     * the MMU; kmap, the uaccess helpers and the page cache share one might_sleep check (its once-a-second
     * rate limit is the machine's).
     *
     * @param machine      the booted machine
     * @param objectPolicy the object allocator policy
     * @param objectConfig its config subtree
     * @param copyPath     how copy_to_user and copy_from_user reach user pages
     * @return the kernel facade over the services
     */
    public static Kernel kernel(Machine machine, ObjectAllocatorPolicy objectPolicy, ConfigView objectConfig,
            MachineConfig.UaccessCopyPath copyPath) {
        // One Tracepoints per machine: the MMU's, which it fires itself (TLB flushes and misses, page faults).
        TraceBuffer trace = new TraceBuffer(TraceBuffer.DEFAULT_CAPACITY_PER_CPU, machine.cpus(), machine.mmu().tracepoints());
        AddressTranslation addresses = addressTranslation(machine);
        PageApi pages = pageApi(machine, addresses, trace);
        SlabLayer slab = slabLayer(machine, pages, addresses, objectPolicy, objectConfig, trace);
        MightSleep mightSleep = new MightSleep(machine.log());
        Highmem highmem = highmem(machine, mightSleep);
        Vmalloc vmalloc = vmalloc(machine);
        RamFs fs = fs(machine, pages, mightSleep);
        UserMemory memory = userMemory(machine, pages, highmem);
        machine.mmu().setPageFaultHandler(memory.faultHandler());
        machine.scheduler().setMmOps(memory.lifecycle());
        Uaccess uaccess = new Uaccess(machine.memory(), machine.layout().taskSize(), mightSleep,
                copyPath == MachineConfig.UaccessCopyPath.GUP_KMAP ? memory.gupUserCopy()::copy : null);
        return new Kernel(trace, addresses, pages, slab, highmem, vmalloc, uaccess, fs, memory, ioremap(machine, vmalloc),
                io(machine));
    }

    /**
     * @param machine    a booted machine
     * @param pages      its page API
     * @param mightSleep the might_sleep check it shares with the other services that may sleep
     * @return an empty file system on the machine's RAM
     */
    public static RamFs fs(Machine machine, PageApi pages, MightSleep mightSleep) {
        return new RamFs(pages, machine.pageFrames(), machine.memory(), machine.pageShift(), mightSleep);
    }

    /**
     * @param machine a booted machine
     * @param pages   its page API
     * @param highmem kmap_local and kmap_atomic
     * @return handle_mm_fault, the user page-table operations and the zero page (the caller installs
     *         {@link UserMemory#faultHandler()} in the MMU if it wants faults to reach it)
     */
    public static UserMemory userMemory(Machine machine, PageApi pages, Highmem highmem) {
        // empty_zero_page lives in the image's .bss (arch/x86/kernel/head_64.S .bss..page_aligned,
        // arch/powerpc/kernel/head_*.S), which memblock reserved with the rest of the image.
        long zeroPfn = (machine.kernelImage().bssStart() + (1L << machine.pageShift()) - 1) >>> machine.pageShift();
        return new UserMemory(machine.arch().id(), machine.layout(), machine.memory(), machine.pageFrames(), zeroPfn,
                pages, machine.mmu(), highmem, machine.cpus(), machine.log());
    }

    /** @param machine a booted machine @return __pa, __va, virt_to_page and friends over its layout */
    public static AddressTranslation addressTranslation(Machine machine) {
        return new AddressTranslation(machine.layout(), machine.pageFrames(), machine.log(), machine.pageShift());
    }

    /**
     * @param machine a booted machine
     * @param trace   the ftrace buffer whose tracepoints the page API fires
     * @return alloc_pages and friends over the machine's buddy allocator
     */
    public static PageApi pageApi(Machine machine, TraceBuffer trace) {
        return pageApi(machine, addressTranslation(machine), trace);
    }

    private static PageApi pageApi(Machine machine, AddressTranslation addresses, TraceBuffer trace) {
        // The policy's fallbacks (mm_page_alloc_extfrag) fire on the same tracepoints as the page API's events.
        machine.allocatorEvents().connect(trace.tracepoints(), machine.mmu());
        return new PageApi(machine.arch(), machine.pageAllocator(), machine.pageFrames(), machine.memory(),
                addresses, machine.memmapVirt(), machine.log(), trace.tracepoints(), machine.clock());
    }

    /** @param machine a booted machine @return vmalloc, vfree and vmap over its vmalloc window */
    public static Vmalloc vmalloc(Machine machine) {
        return new Vmalloc(machine.arch(), machine.layout(), machine.mmu(), machine.pageAllocator(), machine.pageFrames(),
                machine.memory(), machine.log(), machine.cpus(), machine.totalRamPages());
    }

    /**
     * @param machine a booted machine
     * @param vmalloc its vmalloc space, where the ioremap areas go
     * @return ioremap and friends
     */
    public static IoRemap ioremap(Machine machine, Vmalloc vmalloc) {
        return new IoRemap(machine.arch(), machine.layout(), vmalloc, machine.memory(), machine.pageFrames(), machine.log());
    }

    /** @param machine a booted machine @return the MMIO accessors of its CPUs */
    public static IoAccessors io(Machine machine) {
        return new IoAccessors(machine.memory(), machine.pageShift());
    }

    /** @param machine a booted machine @return the uaccess helpers with a might_sleep check of their own */
    public static Uaccess uaccess(Machine machine) {
        return uaccess(machine, new MightSleep(machine.log()));
    }

    private static Uaccess uaccess(Machine machine, MightSleep mightSleep) {
        return new Uaccess(machine.memory(), machine.layout().taskSize(), mightSleep);
    }

    /** @param machine a booted machine @return kmap, kmap_local and kmap_atomic with a might_sleep check of their own */
    public static Highmem highmem(Machine machine) {
        return highmem(machine, new MightSleep(machine.log()));
    }

    private static Highmem highmem(Machine machine, MightSleep mightSleep) {
        return new Highmem(machine.layout(), machine.mmu(), machine.pageFrames(), machine.log(), machine.pageShift(),
                machine.cpus(), mightSleep);
    }

    /**
     * @param machine a booted machine
     * @param pages   its page API
     * @param policy  the object-allocator policy
     * @param config  the policy's config subtree
     * @param trace   the ftrace buffer whose tracepoints kmalloc/kfree fire
     * @return kmalloc, kfree and kmem_cache_* with the kmalloc caches created
     */
    public static SlabLayer slabLayer(Machine machine, PageApi pages, ObjectAllocatorPolicy policy, ConfigView config,
            TraceBuffer trace) {
        return slabLayer(machine, pages, addressTranslation(machine), policy, config, trace);
    }

    private static SlabLayer slabLayer(Machine machine, PageApi pages, AddressTranslation addresses,
            ObjectAllocatorPolicy policy, ConfigView config, TraceBuffer trace) {
        return new SlabLayer(machine.arch(), machine.layout(), machine.mmu(), machine.pageFrames(),
                new DirectMapMemory(machine.layout(), machine.memory()), pages, addresses,
                machine.pageAllocator().maxOrder(), machine.cpus(), machine.hasZone(ZoneType.DMA), machine.log(),
                trace.tracepoints(), machine.clock(), policy, config);
    }
}
