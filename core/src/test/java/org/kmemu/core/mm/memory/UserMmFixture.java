package org.kmemu.core.mm.memory;

import java.util.stream.Stream;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * A booted test machine with one user process: an mm from {@code kernel().memory()}, a task on it that
 * CPU 0 runs, and helpers to map VMAs, run code in user mode and read PTEs. The three machines are the
 * core's x86_64-like, i386-like (1 GiB: highmem) and e500-like (software TLB refill, pinned lowmem)
 * test architectures.
 */
final class UserMmFixture {
    /** Private anonymous read/write, as mmap(PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS) makes it. */
    static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
    /** Private read-only. */
    static final long RO = VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_MAYEXEC;
    /** Shared read/write. */
    static final long SHARED_RW = RW | VmFlags.VM_SHARED | VmFlags.VM_MAYSHARE;
    /** A user address free on every test machine. */
    static final long U = 0x10000000L;

    final Machine m;
    final UserMemory um;
    final Cpu cpu;
    final Mm mm;
    final Task task;
    final long page;

    private UserMmFixture(Machine m) {
        this.m = m;
        this.um = m.kernel().memory();
        this.cpu = m.mmu().cpu(0);
        this.mm = um.mmAlloc(cpu);
        this.task = m.scheduler().createUserTask("user", mm);
        this.page = 1L << m.pageShift();
        m.scheduler().contextSwitch(cpu, task);
    }

    static Stream<String> machines() {
        return Stream.of("x86_64", "i386", "e500-like");
    }

    static Machine bootMachine(String name) {
        return switch (name) {
            case "x86_64" -> TestMachines.x86_64(256L << 20);
            case "i386" -> TestMachines.i386(1L << 30);
            default -> TestMachines.boot(new I386TestArch(true), 256L << 20, 2);
        };
    }

    static UserMmFixture boot(String name) {
        return new UserMmFixture(bootMachine(name));
    }

    /** A second process on the same machine, not running. */
    UserMmFixture(UserMmFixture other) {
        this.m = other.m;
        this.um = other.um;
        this.cpu = other.cpu;
        this.mm = um.mmAlloc(cpu);
        this.task = m.scheduler().createUserTask("user2", mm);
        this.page = other.page;
    }

    /** Switches CPU 0 to this process. */
    void run() {
        m.scheduler().contextSwitch(cpu, task);
    }

    Vma map(long start, long len, long flags) {
        return map(start, len, flags, start >>> m.pageShift(), null);
    }

    Vma map(long start, long len, long flags, long pgoff, VmFile file) {
        mm.mmapLock().writeLock();
        try {
            return mm.vmas().mapRange(start, start + len, flags, pgoff, file, null);
        } finally {
            mm.mmapLock().writeUnlock();
        }
    }

    /** Runs r on CPU 0 in user mode. */
    void user(Runnable r) {
        cpu.setUserMode(true);
        try {
            r.run();
        } finally {
            cpu.setUserMode(false);
        }
    }

    int load(long addr) {
        int[] v = new int[1];
        user(() -> v[0] = cpu.load32(addr));
        return v[0];
    }

    void store(long addr, int value) {
        user(() -> cpu.store32(addr, value));
    }

    /** @return the PTE of addr, 0 when there is no table */
    long pte(long addr) {
        long ptep = um.userPageTables().ptep(cpu, mm, addr, false);
        return ptep == UserPageTables.NO_PTEP ? 0 : um.userPageTables().readPte(ptep);
    }

    long pfn(long addr) {
        return um.userPageTables().pfn(pte(addr));
    }

    int pteFlags(long addr) {
        return um.userPageTables().flags(pte(addr));
    }

    /** Reads a 32-bit value of a frame through physical memory. */
    int phys32(long pfn, int off) {
        return m.memory().readInt((pfn << m.pageShift()) + off);
    }
}
