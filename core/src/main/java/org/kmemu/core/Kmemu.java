package org.kmemu.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigException;
import org.kmemu.api.DeviceType;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.DeviceSpec;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.DevicePlacement;
import org.kmemu.core.machine.HeapTooSmallException;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.plugin.PluginHost;

/**
 * The entry point for a Java program that embeds kmemu, as the command line does it: read a machine
 * file, load the plugins, boot.
 *
 * <pre>
 * Machine m = Kmemu.boot(Path.of("config/machines/i386-highmem.conf"), Map.of(), Path.of("plugins"));
 * Cpu cpu = m.mmu().cpu(0);
 * long p = m.kernel().slab().kmalloc(cpu, 64, Gfp.GFP_KERNEL, "my_driver_probe");
 * </pre>
 *
 * <p>The kernel log is {@code m.log()} ({@code lines()}, each {@code format()}ted as dmesg prints it). It is
 * also mirrored to the SLF4J logger {@code kmemu.kernel}: KERN_WARNING at WARN, KERN_ERR and worse at ERROR
 * (a kernel warning or BUG report means the embedding code misused an API), everything else at DEBUG, so
 * that boot's lines do not flood an application's log at INFO.
 */
public final class Kmemu {
    private Kmemu() {
    }

    /**
     * @param configFile a machine file, or null for the defaults
     * @param overrides  {@code key=value} settings over it, as {@code -D}
     * @param pluginsDir the directory of plugin jars
     * @return the booted machine; its plugins stay loaded for the life of the JVM
     * @throws ConfigException for a bad config or a selected plugin nobody provides
     * @throws HeapTooSmallException when this JVM's heap ({@code -Xmx}) is below what the machine is estimated
     *         to need ({@link org.kmemu.core.machine.HeapBudget}); nothing has been allocated then
     */
    public static Machine boot(Path configFile, Map<String, String> overrides, Path pluginsDir) {
        ConfigLoader.UserConfig user = ConfigLoader.user(configFile, overrides);
        PluginHost host = PluginHost.load(pluginsDir);
        return boot(host, user.resolve(host.referenceConfigs()));
    }

    /**
     * @param host   loaded plugins
     * @param config the resolved configuration
     * @return the booted machine
     * @throws ConfigException for a bad config or a selected plugin nobody provides
     * @throws HeapTooSmallException when this JVM's heap is below what the machine is estimated to need
     */
    public static Machine boot(PluginHost host, ResolvedConfig config) {
        MachineConfig mc = MachineConfig.parse(config);
        var arch = host.select(Architecture.class, mc.archId(), mc.archOrigin()).configure(config.view("kmemu.arch." + mc.archId()));
        var pages = host.select(PageAllocatorPolicy.class, mc.pageAllocatorId(), mc.allocatorOrigin());
        var objects = host.select(ObjectAllocatorPolicy.class, mc.objectAllocatorId(), mc.objectAllocatorOrigin());
        List<DevicePlacement.Placed> devices = new ArrayList<>();
        for (DeviceSpec d : DeviceSpec.parse(config)) {
            DeviceType type = host.select(DeviceType.class, d.type(), d.origin());
            devices.add(new DevicePlacement.Placed(d.type(), d.base(), type.create(d.config()), d.origin(), d.key()));
        }
        return Boot.boot(mc, arch, pages, config.view("kmemu.page-allocator." + mc.pageAllocatorId()),
                objects, config.view("kmemu.object-allocator." + mc.objectAllocatorId()), devices);
    }
}
