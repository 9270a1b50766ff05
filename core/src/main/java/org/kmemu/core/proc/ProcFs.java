package org.kmemu.core.proc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.kmemu.core.machine.Machine;

/**
 * The /proc files about memory that a booted {@link Machine} can show, each rendered on demand in the
 * kernel's exact format from the machine's current state:
 * <ul>
 *   <li>{@code buddyinfo}: free blocks per order and zone (mm/vmstat.c);</li>
 *   <li>{@code pagetypeinfo}: the same per migrate type, and pageblocks per type (mm/vmstat.c);</li>
 *   <li>{@code zoneinfo}: watermarks, spans, counters and per-CPU lists of every zone (mm/vmstat.c);</li>
 *   <li>{@code iomem}: the physical resource tree (kernel/resource.c);</li>
 *   <li>{@code meminfo}: the system-wide memory summary (fs/proc/meminfo.c);</li>
 *   <li>{@code slabinfo}: the slab caches (mm/slab_common.c), only where the object allocator's kernel
 *       had it: a SLOB kernel has no /proc/slabinfo;</li>
 *   <li>{@code vmallocinfo}: the vmalloc areas (mm/vmalloc.c).</li>
 * </ul>
 * Reading is safe from any thread while the machine runs; like the kernel, each file takes the page
 * allocator's per-zone snapshots one zone at a time, so lines of different zones may be from slightly
 * different moments.
 */
public final class ProcFs {
    private static final Map<String, Function<Machine, String>> FILES = new LinkedHashMap<>();

    static {
        FILES.put("buddyinfo", BuddyInfo::render);
        FILES.put("pagetypeinfo", PageTypeInfo::render);
        FILES.put("zoneinfo", ZoneInfo::render);
        FILES.put("iomem", IoMem::render);
        FILES.put("meminfo", MemInfo::render);
        FILES.put("slabinfo", SlabInfoFile::render);
        FILES.put("vmallocinfo", m -> VmallocInfo.render(m.kernel().vmalloc()));
        FILES.put("vmstat", VmStat::render);
    }

    private final Machine machine;

    /** @param machine the booted machine whose files to show */
    public ProcFs(Machine machine) {
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /**
     * @param name a file name from {@link #names()}
     * @return whether this machine has it: every file but slabinfo always, slabinfo unless the
     *         object allocator's kernel had none (SLOB)
     */
    public boolean exists(String name) {
        return FILES.containsKey(name) && (!name.equals("slabinfo") || machine.kernel().slab().procSlabinfo());
    }

    /** @return the file names {@link #read} may accept, in a fixed order (see {@link #exists}) */
    public static List<String> names() {
        return List.copyOf(FILES.keySet());
    }

    /**
     * @param name a file name under /proc, without the directory: {@code "meminfo"}
     * @return the file's full text, every line ending in a newline
     * @throws IllegalArgumentException for a name not in {@link #names()}, or one this machine does not
     *                                  have ({@link #exists})
     */
    public String read(String name) {
        Function<Machine, String> renderer = FILES.get(name);
        if (renderer == null) {
            throw new IllegalArgumentException("no such /proc file: " + name + " (expected one of: "
                    + String.join(", ", FILES.keySet()) + ")");
        }
        if (!exists(name)) {
            throw new IllegalArgumentException("/proc/" + name + ": No such file or directory (expected: a kernel whose"
                    + " object allocator has it; SLOB has no /proc/slabinfo)");
        }
        return renderer.apply(machine);
    }
}
