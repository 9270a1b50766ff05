package org.kmemu.core.fs;

import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/** A booted test machine with its file system, a process mm, and helpers to map files and fault on them. */
final class FsFixture {
    static final long MB = 1L << 20;

    final String arch;
    final Machine m;
    final RamFs fs;
    final PageApi pages;
    final Cpu cpu;
    final int shift;
    final int pageSize;

    FsFixture(String arch, long ramBytes) {
        this.arch = arch;
        this.m = arch.equals("x86_64") ? TestMachines.x86_64(ramBytes) : TestMachines.i386(ramBytes);
        this.fs = m.kernel().fs();
        this.pages = m.kernel().pages();
        this.cpu = m.mmu().cpu(0);
        this.shift = m.pageShift();
        this.pageSize = 1 << shift;
    }

    FsFixture(String arch) {
        this(arch, 64 * MB);
    }

    Mm mm(Cpu on) {
        return Mm.alloc(on, pages, m.mmu(), MmapLayout.of(arch, m.layout(), shift), m.log());
    }

    /** A shared read-only mapping of the whole file at 0x10000000, pgoff 0. */
    static Vma map(VmFile file, long bytes, int pageShift) {
        long len = Math.max(1, (bytes + (1L << pageShift) - 1) >>> pageShift) << pageShift;
        return new Vma(0x10000000L, 0x10000000L + len + (16L << pageShift), VmFlags.VM_READ | VmFlags.VM_SHARED
                | VmFlags.VM_MAYSHARE, 0, file, null);
    }

    VmFault vmf(Cpu on, Mm mm, Vma vma, long pgoff, int flags) {
        return new VmFault(on, mm, vma, vma.start() + (pgoff << shift), pgoff, flags);
    }

    /** Bytes 0, 1, 2, ... as (i * 31 + seed), a recognisable pattern. */
    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** The page's bytes, read through physical memory (a highmem page has no kernel address). */
    byte[] pageBytes(long pfn) {
        byte[] b = new byte[pageSize];
        m.memory().read(pfn << shift, b, 0, pageSize);
        return b;
    }

    /** The file's bytes on the disk, [0, len). */
    static byte[] disk(Inode inode, int len) {
        byte[] b = new byte[len];
        inode.disk().read(0, b, 0, len);
        return b;
    }

    int flags(long pfn) {
        return m.pageFrames().flags(pfn);
    }
}
