package org.kmemu.core.mm.memory;

import org.kmemu.core.fs.Inode;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * One process on a booted test machine driven only through the kernel's own services: its mm from
 * {@code kernel().memory().mmAlloc}, mappings through {@code mmap()}, files from {@code kernel().fs()}, fork
 * and exit through the scheduler (whose dup_mm/mmput boot installed). It remembers the free-page count
 * before the mm existed, so {@link #freeDelta} after every task exited says whether a page leaked.
 */
final class RealMm {
    final Machine m;
    final UserMemory um;
    final Cpu cpu;
    final long page;
    final long free0;
    Mm mm;
    Task task;

    RealMm(Machine m) {
        this.m = m;
        this.um = m.kernel().memory();
        this.cpu = m.mmu().cpu(0);
        this.page = 1L << m.pageShift();
        m.pageAllocator().drainAllPages();
        this.free0 = m.nrFreePages();
        this.mm = um.mmAlloc(cpu);
        this.task = m.scheduler().createUserTask("real", mm);
        m.scheduler().contextSwitch(cpu, task);
    }

    /** mmap(2) in the running task's mm; returns the address or a negative errno. */
    long mmap(long addr, long len, int prot, int flags, Inode file, long pgoff) {
        return um.mmap().vmMmapPgoff(cpu, (Mm) cpu.current().mm(), addr, len, prot, flags,
                file == null ? null : file.open(), pgoff);
    }

    /** A private anonymous read/write mapping at a fixed address. */
    long anon(long addr, long pages) {
        return mmap(addr, pages * page, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
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

    /** @return the frame the current task's PTE for addr maps, or -1 */
    long pfn(long addr) {
        return pfn((Mm) cpu.current().mm(), addr);
    }

    /** @return the frame mm's PTE for addr maps, or -1 */
    long pfn(Mm of, long addr) {
        UserPageTables t = um.userPageTables();
        long ptep = t.ptep(cpu, of, addr, false);
        if (ptep == UserPageTables.NO_PTEP || !t.present(t.readPte(ptep))) {
            return -1;
        }
        return t.pfn(t.readPte(ptep));
    }

    int phys32(long pfn, int off) {
        return m.memory().readInt((pfn << m.pageShift()) + off);
    }

    void writePhys32(long pfn, int off, int v) {
        m.memory().writeInt((pfn << m.pageShift()) + off, v);
    }

    int refs(long pfn) {
        return m.kernel().pages().pageRefCount(pfn);
    }

    int mapcount(long pfn) {
        return m.kernel().pages().pageMapcount(pfn);
    }

    /** The running task exits (do_exit: exit_mm, mmput). */
    void exitCurrent() {
        m.scheduler().doExit(cpu, 0);
    }

    /** Drops files' cached pages, drains the per-CPU lists; returns free pages now minus before the mm. */
    long freeDelta(Inode... files) {
        for (Inode f : files) {
            m.kernel().fs().truncate().truncateInodePages(cpu, f, 0);
        }
        m.pageAllocator().drainAllPages();
        return m.nrFreePages() - free0;
    }

    /** A file of n pages whose 32-bit word w of page p holds {@link #pattern}. */
    Inode file(String path, int pages) {
        byte[] b = new byte[(int) (pages * page)];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(m.arch().byteOrder());
        for (int p = 0; p < pages; p++) {
            for (int w = 0; w < page / 4; w++) {
                bb.putInt((int) (p * page + 4L * w), pattern(p, w));
            }
        }
        return m.kernel().fs().create(path, b);
    }

    static int pattern(long p, int w) {
        return (int) (0x5000_0000 + p * 0x10000 + w);
    }
}
