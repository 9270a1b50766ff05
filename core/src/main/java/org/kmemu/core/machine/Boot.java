package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.KernelLog;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.PgdSync;
import org.kmemu.api.RegionType;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.MachineConfig.RegionSpec;
import org.kmemu.core.mm.Memblock;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.DeviceWindows;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.CpuOwners;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.sched.InitMm;
import org.kmemu.core.sched.PidMap;
import org.kmemu.core.sched.Scheduler;

/**
 * Boots a machine, in the order the kernel does (init/main.c start_kernel → setup_arch →
 * mm_core_init):
 * <ol>
 *   <li>the firmware memory map, checked against what the architecture can address;</li>
 *   <li>the kernel's virtual layout (the architecture decides lowmem and highmem);</li>
 *   <li>memblock: RAM added, then reserved: firmware areas, the kernel image, mem_map;</li>
 *   <li>page frames for every section with RAM, all PG_reserved;</li>
 *   <li>zones, from the architecture's limits ({@code free_area_init});</li>
 *   <li>the page allocator from the policy plugin, then every free range handed to it
 *       ({@code memblock_free_all}), clearing PG_reserved;</li>
 *   <li>emulated RAM, the kernel page tables ({@code swapper_pg_dir}) in the architecture's format
 *       with pages from the page allocator, and the CPUs with their TLBs;</li>
 *   <li>the resource tree for /proc/iomem;</li>
 *   <li>the kernel services: the slab allocator from the object-allocator policy with the kmalloc
 *       caches, highmem mappings and vmalloc.</li>
 * </ol>
 * Boot runs on the caller's thread and owns no CPU ({@link CpuOwners}): only when it is done does the
 * first thread to touch a CPU become that CPU's, as the kernel checks CPU-locality only from
 * {@code SYSTEM_SCHEDULING} on.
 * It prints the kernel's boot lines for each step to the machine's log. A config the machine cannot
 * boot with is a {@link ConfigException} naming the file and line, raised before anything runs; a
 * machine this JVM's heap cannot hold is a {@link HeapTooSmallException} ({@link HeapBudget}), raised
 * before its struct pages are made.
 */
public final class Boot {
    private Boot() {
    }

    /**
     * @param config          the core settings
     * @param arch            the configured architecture
     * @param policy          the page allocator policy
     * @param allocatorConfig the policy's config subtree
     * @param objectPolicy    the object (slab) allocator policy
     * @param objectConfig    its config subtree
     * @return the booted machine
     */
    public static Machine boot(MachineConfig config, ArchSpec arch, PageAllocatorPolicy policy, ConfigView allocatorConfig,
                               ObjectAllocatorPolicy objectPolicy, ConfigView objectConfig) {
        return boot(config, arch, policy, allocatorConfig, objectPolicy, objectConfig, List.of());
    }

    /**
     * Boots a machine with devices on its physical bus.
     *
     * @param config          the core settings
     * @param arch            the configured architecture
     * @param policy          the page allocator policy
     * @param allocatorConfig the policy's config subtree
     * @param objectPolicy    the object (slab) allocator policy
     * @param objectConfig    its config subtree
     * @param devices         the configured device instances ({@code kmemu.devices})
     * @return the booted machine
     * @throws org.kmemu.api.ConfigException for a device over RAM or another device, naming its entry
     */
    public static Machine boot(MachineConfig config, ArchSpec arch, PageAllocatorPolicy policy, ConfigView allocatorConfig,
                               ObjectAllocatorPolicy objectPolicy, ConfigView objectConfig, List<DevicePlacement.Placed> devices) {
        int shift = arch.pageShift();
        long pageSize = 1L << shift;
        KernelLogBuffer log = new KernelLogBuffer();
        MemoryMap firmwareMap = memoryMap(config.memory(), arch);
        MemoryMap map;
        KernelLayout layout;
        try {
            map = arch.sanitizeFirmwareMap(firmwareMap);
            layout = arch.layout(map);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.memory().origin() + ": kmemu.memory: " + e.getMessage(), e);
        }
        DeviceWindows windows = DevicePlacement.place(map, devices, arch.physAddressBits());
        BootLog.memoryMap(log, arch, firmwareMap);
        for (String line : layout.bootMessages()) {
            log.info(line);
        }

        Memblock memblock = new Memblock();
        long ramEnd = layout.maxPfn() << shift;
        for (MemoryRegion r : map.usable()) {
            long start = (r.start() + pageSize - 1) & -pageSize;
            long end = Math.min(r.end() & -pageSize, ramEnd);
            if (end > start) {
                memblock.addMemory(start, end - start);
            }
        }
        for (MemoryRegion r : arch.earlyReservations(map)) {
            memblock.reserve(r.start(), r.size());
        }
        KernelImage image = KernelImage.place(arch.kernelLoadAddress(), config.kernel(), pageSize);
        checkImageFits(config, image, memblock, layout, shift);
        memblock.reserve(image.textStart(), image.reservedBytes(pageSize));

        List<long[]> memoryPfns = pfnRanges(memblock.memory(), shift);
        // Before the first per-frame array: a machine the heap cannot hold is refused in one line, not
        // an OutOfMemoryError halfway through boot.
        HeapBudget.of(memoryPfns, config.cpus()).check(config.memory().origin());
        PageFrames frames = new PageFrames(layout.maxPfn(), memoryPfns);
        long memmapBytes = (frames.presentFrames() * arch.structPageBytes() + pageSize - 1) & -pageSize;
        // mem_map lives in lowmem: memblock allocates it top-down below max_low_pfn (mm/sparse.c, mm/mm_init.c).
        long memmapPhys = memblock.allocTopDown(memmapBytes, pageSize, layout.maxLowPfn() << shift);
        if (memmapPhys < 0) {
            throw new ConfigException(config.memory().origin() + ": kmemu.memory: no room in lowmem for mem_map ("
                    + (memmapBytes >> 10) + "K for " + arch.structPageBytes() + "-byte struct pages)");
        }
        // The kernel page tables, from memblock below the lowmem limit, as x86's init_memory_mapping
        // (alloc_low_pages) and ppc32's mapin_ram (early_alloc_pgtable) do before the buddy allocator.
        PhysicalMemory memory = new PhysicalMemory(map, arch.byteOrder(), config.memory().poison());
        long lowLimit = layout.maxLowPfn() << shift;
        KernelPageTables tables = new KernelPageTables(memory, arch.pageTableFormat(layout),
                cpu -> memblock.allocTopDown(pageSize, pageSize, lowLimit), shift);
        long imageEnd = (image.bssEnd() + pageSize - 1) & -pageSize;
        for (KernelMapping m : arch.kernelMappings(layout, map, image.textStart(), imageEnd)) {
            tables.install(m);
        }
        List<long[]> freePfns = pfnRanges(memblock.freeRanges(), shift);
        List<ZoneRange> zones = ZoneSetup.zones(arch, layout, memoryPfns, freePfns);
        for (ZoneRange z : zones) {
            if (z.span() != null) {
                frames.setZone(z.span().startPfn(), z.span().endPfn(), z.type());
            }
        }
        BootLog.zones(log, zones, memoryPfns, shift);

        List<ZoneSpan> populated = new ArrayList<>();
        for (ZoneRange z : zones) {
            if (z.populated()) {
                populated.add(z.span());
            }
        }
        Set<ZoneType> configured = EnumSet.copyOf(arch.zoneTypes());
        configured.add(ZoneType.MOVABLE);
        CpuOwners owners = new CpuOwners(config.cpus(), log);
        memory.attach(windows, new MachineCheck(arch, log, owners));
        for (DeviceWindows.Window w : windows.windows()) {
            w.device().attach(new BusMaster(memory));
        }
        AllocatorEvents events = new AllocatorEvents(layout.va(memmapPhys), arch.structPageBytes());
        PageAllocator allocator = policy.create(new Context(allocatorConfig, populated, configured, shift, config.cpus(), log,
                owners, frames.freePageWords(), events));
        for (long[] f : freePfns) {
            for (ZoneSpan z : populated) {
                long s = Math.max(f[0], z.startPfn());
                long e = Math.min(f[1], z.endPfn());
                if (e > s) {
                    allocator.freeBootMemory(s, e - s);
                    frames.setReserved(s, e, false);
                }
            }
        }
        tables.usePageAllocator(allocator);
        Mmu mmu = new Mmu(arch, layout, memory, tables, owners);
        // How process roots follow kernel root entries; x86_64 and PAE make the vmalloc range's tables now, as
        // mem_init's preallocate_vmalloc_pages (arch/x86/mm/init_64.c) does once the page allocator is up.
        tables.configurePgds(arch.pgdSync(), layout.kernelSpaceStart());
        if (arch.pgdSync() == PgdSync.PREALLOCATE_KERNEL_TABLES) {
            tables.preallocateKernelTables(0, layout.vmallocStart(), layout.vmallocEnd());
        }
        Cpu[] cpus = new Cpu[config.cpus()];
        for (int i = 0; i < cpus.length; i++) {
            cpus[i] = mmu.cpu(i);
        }
        // sched_init: each CPU runs its idle task (swapper/N) on init_mm.
        Scheduler scheduler = new Scheduler(cpus, owners, log, new InitMm(mmu.initMmContext()),
                new PidMap(PidMap.defaultPidMax(config.cpus(), arch.virtAddressBits() > 32)));
        Resource iomem = Iomem.build(map, image, windows);
        Machine machine = new Machine(arch, layout, map, memblock, frames, zones, allocator, log, iomem, image,
                config.cpus(), policy.id(), memory, mmu, layout.va(memmapPhys), scheduler, config.clock(), events);
        BootLog.summary(log, machine);
        machine.setKernel(KernelServices.kernel(machine, objectPolicy, objectConfig, config.copyPath()));
        scheduler.restInit();
        // Boot is not timed: every clock starts at 0 now, so every boot line reads [    0.000000].
        for (Cpu cpu : cpus) {
            cpu.startClock(config.clock().accessNanos(), config.clock().tlbMissNanos());
        }
        // From now on the log asks the CPUs for the time and the current task; until here it printed 0
        // and the boot task, whatever boot's own allocations charged.
        log.attach(cpus, owners);
        owners.startScheduling();
        return machine;
    }

    private static MemoryMap memoryMap(MachineConfig.MemorySpec spec, ArchSpec arch) {
        long pageSize = 1L << arch.pageShift();
        long limit = arch.physAddressBits() >= 63 ? Long.MAX_VALUE : 1L << arch.physAddressBits();
        if (spec.regions().isEmpty()) {
            long size = spec.sizeBytes();
            if (size % pageSize != 0) {
                throw new ConfigException(spec.origin() + ": kmemu.memory.size: " + size + (size == 1 ? " byte" : " bytes")
                        + " is not a whole number of " + pageSize + "-byte pages (expected: a multiple of " + pageSize
                        + "; note that HOCON reads kB, MB and GB as powers of 1000: write 4K, 896M, 4G or KiB, MiB, GiB)");
            }
            try {
                return arch.defaultMemoryMap(size);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(spec.origin() + ": kmemu.memory.size: " + e.getMessage(), e);
            }
        }
        List<RegionSpec> sorted = new ArrayList<>(spec.regions());
        sorted.sort((a, b) -> Long.compareUnsigned(a.start(), b.start()));
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            RegionSpec r = sorted.get(i);
            if (r.size() <= 0) {
                throw new ConfigException(r.origin() + ": kmemu.memory.map: size " + r.size() + " (expected: greater than 0)");
            }
            if (r.start() < 0 || r.start() + r.size() > limit || r.start() + r.size() < r.start()) {
                throw new ConfigException(String.format("%s: kmemu.memory.map: [mem %#x-%#x] lies beyond the %d-bit physical"
                        + " address space of %s (expected: below %#x)", r.origin(), r.start(), r.start() + r.size() - 1,
                        arch.physAddressBits(), arch.description(), limit));
            }
            if (i > 0) {
                RegionSpec prev = sorted.get(i - 1);
                if (r.start() < prev.start() + prev.size()) {
                    throw new ConfigException(String.format("%s: kmemu.memory.map: [mem %#x-%#x] overlaps [mem %#x-%#x] from %s"
                            + " (expected: disjoint regions)", r.origin(), r.start(), r.start() + r.size() - 1, prev.start(),
                            prev.start() + prev.size() - 1, prev.origin()));
                }
            }
            regions.add(new MemoryRegion(r.start(), r.size(), r.type()));
        }
        if (regions.stream().noneMatch(r -> r.type() == RegionType.USABLE && r.size() >= pageSize)) {
            throw new ConfigException(spec.origin() + ": kmemu.memory.map: no usable region of at least one page");
        }
        return new MemoryMap(regions);
    }

    private static void checkImageFits(MachineConfig config, KernelImage image, Memblock memblock, KernelLayout layout, int shift) {
        long end = image.bssEnd();
        for (long[] m : memblock.memory()) {
            if (m[0] <= image.textStart() && end <= m[1] && end <= layout.maxLowPfn() << shift) {
                return;
            }
        }
        throw new ConfigException(String.format("%s: kmemu.memory: the kernel image [mem %#x-%#x] does not lie in usable"
                + " lowmem (expected: RAM from the load address %#x on)", config.memory().origin(), image.textStart(),
                end - 1, image.textStart()));
    }

    /** Byte ranges to whole-page pfn ranges: start rounded up, end rounded down (PFN_UP, PFN_DOWN). */
    private static List<long[]> pfnRanges(List<long[]> bytes, int shift) {
        List<long[]> out = new ArrayList<>();
        long mask = (1L << shift) - 1;
        for (long[] r : bytes) {
            long s = (r[0] + mask) >>> shift;
            long e = r[1] >>> shift;
            if (e > s) {
                out.add(new long[] {s, e});
            }
        }
        return out;
    }

    /** The immutable context handed to the page allocator policy. */
    private record Context(ConfigView config, List<ZoneSpan> zones, Set<ZoneType> configuredZones, int pageShift,
                           int cpus, KernelLog log, PerCpuOwnership perCpu, FreePageWords freePageWords,
                           AllocatorEvents events)
            implements PageAllocatorContext {
    }
}
