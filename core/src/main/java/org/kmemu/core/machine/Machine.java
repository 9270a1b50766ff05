package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.mm.Memblock;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.sched.Scheduler;

/**
 * A booted machine: the architecture, its memory, the page frames, the zones and the page allocator
 * that manages them, the kernel log and the resource tree. Made by {@link Boot#boot}.
 *
 * <p>The fields describing boot (memory map, layout, zone spans, image) are immutable; the page
 * allocator, page frames and log change as the machine runs and are thread-safe as documented on
 * each.
 */
public final class Machine {
    private final ArchSpec arch;
    private final KernelLayout layout;
    private final MemoryMap memoryMap;
    private final Memblock memblock;
    private final PageFrames pageFrames;
    private final List<ZoneRange> zones;
    private final PageAllocator pageAllocator;
    private final KernelLogBuffer log;
    private final Resource iomem;
    private final KernelImage kernelImage;
    private final int cpus;
    private final String pageAllocatorId;
    private final PhysicalMemory memory;
    private final Mmu mmu;
    private final long memmapVirt;
    private final Scheduler scheduler;
    private final MachineConfig.ClockSpec clock;
    private final AllocatorEvents allocatorEvents;
    private Kernel kernel;
    private final IoRegions ioRegions;

    Machine(ArchSpec arch, KernelLayout layout, MemoryMap memoryMap, Memblock memblock, PageFrames pageFrames,
            List<ZoneRange> zones, PageAllocator pageAllocator, KernelLogBuffer log, Resource iomem,
            KernelImage kernelImage, int cpus, String pageAllocatorId, PhysicalMemory memory, Mmu mmu, long memmapVirt,
            Scheduler scheduler, MachineConfig.ClockSpec clock, AllocatorEvents allocatorEvents) {
        this.arch = arch;
        this.layout = layout;
        this.memoryMap = memoryMap;
        this.memblock = memblock;
        this.pageFrames = pageFrames;
        this.zones = List.copyOf(zones);
        this.pageAllocator = pageAllocator;
        this.log = log;
        this.iomem = iomem;
        this.kernelImage = kernelImage;
        this.cpus = cpus;
        this.pageAllocatorId = pageAllocatorId;
        this.memory = memory;
        this.mmu = mmu;
        this.memmapVirt = memmapVirt;
        this.scheduler = scheduler;
        this.clock = clock;
        this.allocatorEvents = allocatorEvents;
        this.ioRegions = new IoRegions(iomem, arch.hasIoPortSpace(), arch.physAddressBits(), log);
    }

    /** @return request_mem_region and friends over /proc/iomem and /proc/ioports */
    public IoRegions ioRegions() {
        return ioRegions;
    }

    /** @return the root of the I/O port resource tree (/proc/ioports) */
    public Resource ioports() {
        return ioRegions.ioports();
    }

    /** @return the sink the page allocator policy reports its events to, for the kernel services to wire */
    AllocatorEvents allocatorEvents() {
        return allocatorEvents;
    }

    /** @return the tasks and each CPU's current task */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** @return the modelled cost of each operation, which kernel services charge to the calling CPU's clock */
    public MachineConfig.ClockSpec clock() {
        return clock;
    }

    /** @return the kernel services (page API, slab, vmalloc, highmem, trace) */
    public Kernel kernel() {
        return kernel;
    }

    void setKernel(Kernel kernel) {
        assert this.kernel == null;
        this.kernel = kernel;
    }

    /** @return the kernel virtual address of mem_map, the struct page array boot reserved in lowmem */
    public long memmapVirt() {
        return memmapVirt;
    }

    /** @return the machine's RAM */
    public PhysicalMemory memory() {
        return memory;
    }

    /** @return the MMU: kernel page tables and the CPUs */
    public Mmu mmu() {
        return mmu;
    }

    /** @return the configured architecture */
    public ArchSpec arch() {
        return arch;
    }

    /** @return the kernel's virtual layout on this machine */
    public KernelLayout layout() {
        return layout;
    }

    /** @return the firmware memory map the machine booted with */
    public MemoryMap memoryMap() {
        return memoryMap;
    }

    /** @return boot's memblock, kept for reports (reserved ranges) */
    public Memblock memblock() {
        return memblock;
    }

    /** @return the page frames (mem_map) */
    public PageFrames pageFrames() {
        return pageFrames;
    }

    /** @return every configured zone, lowest first, populated or not */
    public List<ZoneRange> zones() {
        return zones;
    }

    /** @return the populated zones' spans, lowest first */
    public List<ZoneSpan> populatedZones() {
        List<ZoneSpan> out = new ArrayList<>();
        for (ZoneRange z : zones) {
            if (z.populated()) {
                out.add(z.span());
            }
        }
        return out;
    }

    /** @return the page allocator */
    public PageAllocator pageAllocator() {
        return pageAllocator;
    }

    /**
     * The heap of every per-frame structure of the machine, from the arrays' lengths: struct page
     * ({@link PageFrames}: flags, the word that holds mapping|index, the slab owner or a free page's list
     * links, refcount and mapcount) plus the page allocator's own per-frame and per-pageblock state
     * ({@link PageAllocator#metadataBytes}). Divided by {@code layout().maxPfn()} it is the emulator's
     * cost of struct page per frame, against the kernel's 64 bytes.
     *
     * @return bytes of per-frame metadata now (lazy parts grow as frames are used)
     */
    public long pageMetadataBytes() {
        return pageFrames.metadataBytes() + pageAllocator.metadataBytes();
    }

    /** @return the printk buffer */
    public KernelLogBuffer log() {
        return log;
    }

    /** @return the root of the physical resource tree (/proc/iomem) */
    public Resource iomem() {
        return iomem;
    }

    /** @return where the kernel image lies */
    public KernelImage kernelImage() {
        return kernelImage;
    }

    /** @return the number of CPUs */
    public int cpus() {
        return cpus;
    }

    /** @return the id of the page allocator policy in use */
    public String pageAllocatorId() {
        return pageAllocatorId;
    }

    /** @return PAGE_SHIFT */
    public int pageShift() {
        return arch.pageShift();
    }

    /** @return {@code get_num_physpages()}: present pages over all zones */
    public long physPages() {
        long n = 0;
        for (ZoneSpan z : populatedZones()) {
            n += z.presentPages();
        }
        return n;
    }

    /** @return {@code totalram_pages()}: managed pages over all zones */
    public long totalRamPages() {
        long n = 0;
        for (ZoneSpan z : populatedZones()) {
            n += z.managedPages();
        }
        return n;
    }

    /** @return {@code totalhigh_pages()}: managed pages of highmem zones */
    public long totalHighPages() {
        long n = 0;
        for (ZoneSpan z : populatedZones()) {
            if (z.type().isHighmem()) {
                n += z.managedPages();
            }
        }
        return n;
    }

    /** @return {@code nr_free_pages()} over every zone */
    public long nrFreePages() {
        long n = 0;
        for (ZoneSpan z : populatedZones()) {
            n += pageAllocator.nrFreePages(z.type());
        }
        return n;
    }

    /** @return free pages in highmem zones */
    public long nrFreeHighPages() {
        long n = 0;
        for (ZoneSpan z : populatedZones()) {
            if (z.type().isHighmem()) {
                n += pageAllocator.nrFreePages(z.type());
            }
        }
        return n;
    }

    /**
     * @param type a zone type
     * @return whether this machine configures it (populated or not)
     */
    public boolean hasZone(ZoneType type) {
        for (ZoneRange z : zones) {
            if (z.type() == type) {
                return true;
            }
        }
        return false;
    }
}
