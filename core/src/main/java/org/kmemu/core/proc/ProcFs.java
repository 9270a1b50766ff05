package org.kmemu.core.proc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * The /proc files about memory that a booted {@link Machine} can show, each rendered on demand in the
 * kernel's exact format from the machine's current state:
 * <ul>
 *   <li>{@code buddyinfo}: free blocks per order and zone (mm/vmstat.c);</li>
 *   <li>{@code pagetypeinfo}: the same per migrate type, and pageblocks per type (mm/vmstat.c);</li>
 *   <li>{@code zoneinfo}: watermarks, spans, counters and per-CPU lists of every zone (mm/vmstat.c);</li>
 *   <li>{@code iomem}: the physical resource tree (kernel/resource.c);</li>
 *   <li>{@code ioports}: the I/O port resource tree, printed the same way;</li>
 *   <li>{@code meminfo}: the system-wide memory summary (fs/proc/meminfo.c);</li>
 *   <li>{@code slabinfo}: the slab caches (mm/slab_common.c), only where the object allocator's kernel
 *       had it: a SLOB kernel has no /proc/slabinfo;</li>
 *   <li>{@code vmallocinfo}: the vmalloc areas (mm/vmalloc.c);</li>
 *   <li>{@code PID/maps} and {@code PID/smaps} for a live task ({@code self/...}: the task CPU 0 runs), the
 *       address space of a task with an mm ({@link PidMaps}, {@link PidSmaps}). Like the kernel, a kernel
 *       thread has the files but they are empty: fs/proc/base.c lists "maps" and "smaps" for every task,
 *       proc_mem_open leaves the mm NULL when get_task_mm finds none, and fs/proc/task_mmu.c m_start then
 *       returns no VMA. A pid with no live task (and {@code self} on an idle task, which has no pid of its
 *       own) has no directory: "No such file or directory".</li>
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
        FILES.put("ioports", m -> IoMem.render(m.ioports()));
        FILES.put("meminfo", MemInfo::render);
        FILES.put("slabinfo", SlabInfoFile::render);
        FILES.put("vmallocinfo", m -> VmallocInfo.render(m.kernel().vmalloc()));
        FILES.put("vmstat", VmStat::render);
    }

    /** The files of a /proc/PID directory that kmemu has, in the order fs/proc/base.c lists them. */
    private static final List<String> PID_FILES = List.of("maps", "smaps");

    private final Machine machine;

    /** @param machine the booted machine whose files to show */
    public ProcFs(Machine machine) {
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /**
     * @param name a file name from {@link #names()}
     * @return whether this machine has it: every file but slabinfo always, slabinfo unless the
     *         object allocator's kernel had none (SLOB); a {@link #isPidFile PID file} while its task lives
     */
    public boolean exists(String name) {
        if (isPidFile(name)) {
            return pidTask(name) != null;
        }
        return FILES.containsKey(name) && (!name.equals("slabinfo") || machine.kernel().slab().procSlabinfo());
    }

    /** @return the file names {@link #read} may accept, in a fixed order (see {@link #exists}) */
    public static List<String> names() {
        return List.copyOf(FILES.keySet());
    }

    /** @return the files of a /proc/PID directory kmemu has: {@code maps}, {@code smaps} */
    public static List<String> pidFileNames() {
        return PID_FILES;
    }

    /**
     * @param name a name under /proc
     * @return whether it names a file of a /proc/PID directory: a decimal pid or {@code self}, a slash, and
     *         one of {@link #pidFileNames()} ({@code "42/maps"}, {@code "self/smaps"}), whether or not the task exists
     */
    public static boolean isPidFile(String name) {
        int slash = name.indexOf('/');
        if (slash <= 0 || !PID_FILES.contains(name.substring(slash + 1))) {
            return false;
        }
        String dir = name.substring(0, slash);
        if (dir.equals("self")) {
            return true;
        }
        if (dir.length() > 9) {
            return false;
        }
        for (int i = 0; i < dir.length(); i++) {
            if (dir.charAt(i) < '0' || dir.charAt(i) > '9') {
                return false;
            }
        }
        return dir.charAt(0) != '0';
    }

    /**
     * @param name a name from {@link #names()} or a {@link #isPidFile PID file}
     * @return whether {@link #read} takes it (it may still not {@link #exists} on this machine)
     */
    public static boolean isName(String name) {
        return FILES.containsKey(name) || isPidFile(name);
    }

    /** @return the live task of a PID file's directory, null when there is none (proc_pid_lookup fails) */
    private Task pidTask(String name) {
        String dir = name.substring(0, name.indexOf('/'));
        if (dir.equals("self")) {
            // /proc/self is the reader's tgid: kmemu's reader is CPU 0's current task; an idle task has none
            Task t = machine.mmu().cpu(0).current();
            return t.isIdle() || t.exited() ? null : t;
        }
        Task t = machine.scheduler().findTaskByVpid(Integer.parseInt(dir));
        return t == null || t.exited() ? null : t;
    }

    /**
     * @param name a file name under /proc, without the directory: {@code "meminfo"}, or a
     *             {@link #isPidFile PID file}: {@code "42/maps"}, read with CPU 0 (its smaps page walk)
     * @return the file's full text, every line ending in a newline; empty for a kernel thread's PID file
     * @throws IllegalArgumentException for a name not in {@link #names()} nor a PID file, or one this machine
     *                                  does not have ({@link #exists}), such as a PID file of no live task
     */
    public String read(String name) {
        if (isPidFile(name)) {
            return readPidFile(name);
        }
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

    private String readPidFile(String name) {
        Task task = pidTask(name);
        if (task == null) {
            throw new IllegalArgumentException("/proc/" + name + ": No such file or directory (expected: the pid of a live"
                    + " task, or self while CPU 0 runs one)");
        }
        if (!(task.mm() instanceof Mm mm)) {
            return ""; // a kernel thread: proc_mem_open's NULL mm, m_start shows nothing
        }
        int pointerBytes = machine.arch().virtAddressBits() > 32 ? 8 : 4;
        if (name.endsWith("/smaps")) {
            UserMemory um = machine.kernel().memory();
            Cpu cpu = machine.mmu().cpu(0);
            return new PidSmaps(um.userPageTables(), machine.kernel().pages(), machine.pageFrames(), pointerBytes).render(cpu, mm);
        }
        mm.mmapLock().readLock(); // m_start's mmap_read_lock_killable
        try {
            return PidMaps.render(mm, machine.pageShift(), pointerBytes);
        } finally {
            mm.mmapLock().readUnlock();
        }
    }
}
