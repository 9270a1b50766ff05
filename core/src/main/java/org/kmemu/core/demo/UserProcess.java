package org.kmemu.core.demo;

import java.nio.charset.StandardCharsets;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.proc.ProcFs;
import org.kmemu.core.sched.Task;

/**
 * A user process of a demo, on CPU 0: its task and mm, the system calls the demos make (mmap, munmap), its
 * loads and stores in user mode through the MMU (faults go to the machine's real handler), and the views
 * of its address space a kernel person reads: a VMA as /proc/PID/maps prints it, a PTE with its frame and
 * bits.
 */
final class UserProcess {
    final Machine m;
    final UserMemory um;
    final Cpu cpu;
    final Task task;
    final Mm mm;
    final long pageSize;
    private final int pageShift;
    private final int pointerBytes;

    private UserProcess(Machine m, Task task) {
        this.m = m;
        this.um = m.kernel().memory();
        this.cpu = m.mmu().cpu(0);
        this.task = task;
        this.mm = (Mm) task.mm();
        this.pageShift = m.pageShift();
        this.pageSize = 1L << pageShift;
        this.pointerBytes = m.arch().virtAddressBits() > 32 ? 8 : 4;
    }

    /**
     * {@code mm_alloc} + a new task on it ({@code createUserTask}), switched to on CPU 0.
     *
     * @param m    the machine
     * @param comm the task's name
     * @return the running process
     */
    static UserProcess spawn(Machine m, String comm) {
        Cpu cpu = m.mmu().cpu(0);
        Mm mm = m.kernel().memory().mmAlloc(cpu);
        if (mm == null) {
            throw new IllegalStateException("mm_alloc: -ENOMEM on a freshly booted machine");
        }
        Task t = m.scheduler().createUserTask(comm, mm);
        UserProcess p = new UserProcess(m, t);
        p.run();
        return p;
    }

    /** @param m the machine @param task a task with an mm (a fork child) @return its process view */
    static UserProcess of(Machine m, Task task) {
        return new UserProcess(m, task);
    }

    /** {@code context_switch} to this process on CPU 0. */
    void run() {
        m.scheduler().contextSwitch(cpu, task);
    }

    /** @return "comm[pid]" as the kernel's messages name a task */
    String who() {
        return task.comm() + "[" + task.pid() + "]";
    }

    /** {@code mmap(NULL, len, prot, flags, fd, off)}: the address or a negative errno. */
    long mmap(long len, int prot, int flags, VmFile file, long off) {
        return um.mmap().vmMmapPgoff(cpu, mm, 0, len, prot, flags, file, off >>> pageShift);
    }

    /** {@code munmap(addr, len)}: 0 or a negative errno. */
    int munmap(long addr, long len) {
        return um.mmap().vmMunmap(cpu, mm, addr, len);
    }

    /** Stores bytes in user mode (the task's own store instructions). */
    void store(long addr, byte[] bytes) {
        cpu.setUserMode(true);
        try {
            cpu.write(addr, bytes, 0, bytes.length);
        } finally {
            cpu.setUserMode(false);
        }
    }

    /** Stores a NUL-terminated string in user mode. */
    void storeString(long addr, String s) {
        store(addr, cstring(s));
    }

    /** Loads bytes in user mode. */
    byte[] load(long addr, int len) {
        byte[] b = new byte[len];
        cpu.setUserMode(true);
        try {
            cpu.read(addr, b, 0, len);
        } finally {
            cpu.setUserMode(false);
        }
        return b;
    }

    /** Loads a NUL-terminated string of at most max bytes in user mode. */
    String loadString(long addr, int max) {
        return string(load(addr, max));
    }

    /** @return the PTE mapping addr, 0 when there is none or no table */
    long pte(long addr) {
        UserPageTables t = um.userPageTables();
        long ptep = t.ptep(cpu, mm, addr, false);
        return ptep == UserPageTables.NO_PTEP ? 0 : t.readPte(ptep);
    }

    /** @return the frame addr's PTE maps, -1 when it maps none */
    long pfn(long addr) {
        long pte = pte(addr);
        UserPageTables t = um.userPageTables();
        return t.present(pte) ? t.pfn(pte) : -1;
    }

    /** @return whether addr's PTE allows writes */
    boolean pteWritable(long addr) {
        return (um.userPageTables().flags(pte(addr)) & PteFlags.WRITE) != 0;
    }

    /** @return addr's PTE: its frame and bits, or "none" */
    String pteLine(long addr) {
        long pte = pte(addr);
        UserPageTables t = um.userPageTables();
        if (!t.present(pte)) {
            return String.format("PTE of %#x: none (not present)", addr);
        }
        return String.format("PTE of %#x: pfn %#x [%s]", addr, t.pfn(pte), PteFlags.toString(t.flags(pte)));
    }

    /** @return the /proc/PID/maps line of the VMA holding addr, read through {@link ProcFs}, without its newline */
    String mapsLine(long addr) {
        String start;
        mm.mmapLock().readLock();
        try {
            start = String.format("%08x-", mm.vmas().vmaLookup(addr).start());
        } finally {
            mm.mmapLock().readUnlock();
        }
        for (String line : new ProcFs(m).read(task.pid() + "/maps").split("\n")) {
            if (line.startsWith(start)) {
                return line.stripTrailing();
            }
        }
        throw new IllegalStateException("no line of /proc/" + task.pid() + "/maps starts with " + start);
    }

    /**
     * @param addr an address in one of the task's VMAs
     * @param field an smaps counter's label without its colon: {@code "Pss"}
     * @return that counter's line of the VMA holding addr in /proc/PID/smaps, read through {@link ProcFs},
     *         its spaces squeezed: {@code "Pss: 4 kB"}
     */
    String smapsField(long addr, String field) {
        String start;
        mm.mmapLock().readLock();
        try {
            start = String.format("%08x-", mm.vmas().vmaLookup(addr).start());
        } finally {
            mm.mmapLock().readUnlock();
        }
        boolean inVma = false;
        for (String line : new ProcFs(m).read(task.pid() + "/smaps").split("\n")) {
            if (line.indexOf(' ') > 0 && line.substring(0, line.indexOf(' ')).matches("[0-9a-f]+-[0-9a-f]+")) {
                inVma = line.startsWith(start);
            } else if (inVma && line.startsWith(field + ":")) {
                return line.replaceAll(" +", " ");
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/" + task.pid() + "/smaps for the VMA at " + start);
    }

    /**
     * {@code drain_all_pages()} then {@code nr_free_pages()}: the per-CPU lists hold pages that are free but
     * not counted, so a count that must come back exactly is taken drained.
     *
     * @param m the machine, no CPU allocating
     * @return the free pages of every zone
     */
    static long freePages(Machine m) {
        m.pageAllocator().drainAllPages();
        return m.nrFreePages();
    }

    /** @return s as ASCII bytes and a NUL */
    static byte[] cstring(String s) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[a.length + 1];
        System.arraycopy(a, 0, b, 0, a.length);
        return b;
    }

    /** @return the bytes up to the first NUL, as ASCII */
    static String string(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
