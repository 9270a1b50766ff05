package org.kmemu.core.testing;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigView;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.MachineConfig.KernelImageSpec;
import org.kmemu.core.config.MachineConfig.MemorySpec;
import org.kmemu.core.config.TypesafeConfigView;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.Machine;

/**
 * Boots machines for core tests with the test architectures ({@link X86_64TestArch},
 * {@link I386TestArch}) and the {@link FirstFitPolicy}, without the plugin host. The kernel image has
 * the sizes of core's reference.conf (16M text, 6M rodata, 2560K data, 2M init, 4M bss).
 */
public final class TestMachines {
    /** The origin configs built here report. */
    public static final String ORIGIN = "test.conf:1";

    private TestMachines() {
    }

    /**
     * @param ramBytes DIMM size
     * @return a booted 2-CPU x86_64-like machine
     */
    public static Machine x86_64(long ramBytes) {
        return boot(new X86_64TestArch(), ramBytes, 2);
    }

    /**
     * @param ramBytes DIMM size, at most 3 GiB
     * @return a booted 2-CPU i386-like machine with highmem
     */
    public static Machine i386(long ramBytes) {
        return boot(new I386TestArch(), ramBytes, 2);
    }

    /**
     * @param arch     the architecture
     * @param ramBytes DIMM size, laid out by {@link ArchSpec#defaultMemoryMap}
     * @param cpus     number of CPUs
     * @return the booted machine
     */
    public static Machine boot(ArchSpec arch, long ramBytes, int cpus) {
        return boot(arch, ramBytes, cpus, new SimpleSlabPolicy());
    }

    /**
     * @param arch     the architecture
     * @param ramBytes DIMM size
     * @param cpus     number of CPUs
     * @param slab     the object-allocator policy (its config subtree is empty)
     * @return the booted machine
     */
    public static Machine boot(ArchSpec arch, long ramBytes, int cpus, ObjectAllocatorPolicy slab) {
        return Boot.boot(config(arch.id(), ramBytes, cpus), arch, new FirstFitPolicy(), allocatorConfig(), slab, slabConfig());
    }

    /**
     * @param arch     the architecture
     * @param ramBytes DIMM size
     * @param copyPath {@code kmemu.uaccess.copy-path}
     * @return a booted 2-CPU machine whose copy_to_user/copy_from_user take that path
     */
    public static Machine boot(ArchSpec arch, long ramBytes, MachineConfig.UaccessCopyPath copyPath) {
        MachineConfig c = config(arch.id(), ramBytes, 2);
        MachineConfig withPath = new MachineConfig(c.archId(), c.archOrigin(), c.pageAllocatorId(), c.allocatorOrigin(),
                c.objectAllocatorId(), c.objectAllocatorOrigin(), c.cpus(), c.memory(), c.kernel(), c.clock(), copyPath);
        return Boot.boot(withPath, arch, new FirstFitPolicy(), allocatorConfig(), new SimpleSlabPolicy(), slabConfig());
    }

    /**
     * @param archId   the architecture id
     * @param ramBytes {@code kmemu.memory.size}
     * @param cpus     {@code kmemu.cpus}
     * @return core settings with the default kernel image and no explicit memory map
     */
    public static MachineConfig config(String archId, long ramBytes, int cpus) {
        return new MachineConfig(archId, ORIGIN, FirstFitPolicy.ID, ORIGIN, "simple", ORIGIN, cpus,
                new MemorySpec(ramBytes, List.of(), ORIGIN, (byte) 0), defaultKernel(), defaultClock());
    }

    /** @return the clock costs of core's reference.conf */
    public static MachineConfig.ClockSpec defaultClock() {
        return new MachineConfig.ClockSpec(1, 30, 150, 100, 40, 30);
    }

    /** @return the kernel image sizes of core's reference.conf */
    public static KernelImageSpec defaultKernel() {
        return new KernelImageSpec(16L << 20, 6L << 20, 2560L << 10, 2L << 20, 4L << 20);
    }

    /** @return the {@link SimpleSlabPolicy}'s (empty) config subtree */
    public static ConfigView slabConfig() {
        return new TypesafeConfigView(ConfigFactory.empty(), "kmemu.object-allocator.simple");
    }

    /** @return the {@link FirstFitPolicy}'s config subtree: MAX_PAGE_ORDER 10, pageblock_order 9 */
    public static ConfigView allocatorConfig() {
        String path = "kmemu.page-allocator." + FirstFitPolicy.ID;
        return new TypesafeConfigView(ConfigFactory.parseString(path + " { max-order = 10, pageblock-order = 9 }"), path);
    }
}
