package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.kmemu.core.mm.vma.Mman.MAP_ANONYMOUS;
import static org.kmemu.core.mm.vma.Mman.MAP_FIXED;
import static org.kmemu.core.mm.vma.Mman.MAP_PRIVATE;
import static org.kmemu.core.mm.vma.Mman.MREMAP_FIXED;
import static org.kmemu.core.mm.vma.Mman.MREMAP_MAYMOVE;
import static org.kmemu.core.mm.vma.Mman.PROT_READ;
import static org.kmemu.core.mm.vma.Mman.PROT_WRITE;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.UserMm;

class MremapTest {
    private static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long A = 0x20000000L;

    private static List<Vma> vmas(Mm mm) {
        return List.copyOf(mm.vmas().vmas());
    }

    private static void writeAsUser(UserMm u, long addr, int nrPages, int seed) {
        Cpu cpu = u.cpu;
        cpu.setUserMode(true);
        try {
            for (int i = 0; i < nrPages; i++) {
                cpu.store32(addr + i * u.page() + 8, seed + i);
            }
        } finally {
            cpu.setUserMode(false);
        }
    }

    private static int readAsUser(UserMm u, long addr) {
        u.cpu.setUserMode(true);
        try {
            return u.cpu.load32(addr + 8);
        } finally {
            u.cpu.setUserMode(false);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void growInPlaceShrinkAndMoveKeepTheBytes(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.run(mm);
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * p, RW, ANON | Mman.MAP_POPULATE, null, 0);
        writeAsUser(u, A, 2, 0x1000);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 2 * p, 4 * p, 0, 0)).as("grows in place").isEqualTo(A);
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end).containsExactly(tuple(A, A + 4 * p));
        // block growth in place with a neighbour
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 4 * p, p, PROT_READ, ANON, null, 0);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 4 * p, 6 * p, 0, 0)).as("no room, may not move").isEqualTo(-Errno.ENOMEM);
        long moved = u.mremap.mremap(u.cpu, mm, A, 4 * p, 6 * p, MREMAP_MAYMOVE, 0);
        assertThat(moved).isEqualTo(mm.mmapBase() - 6 * p);
        assertThat(mm.vmas().vmaLookup(A)).as("the old range is gone").isNull();
        assertThat(mm.vmas().vmaLookup(moved).end()).isEqualTo(moved + 6 * p);
        assertThat(readAsUser(u, moved)).isEqualTo(0x1000);
        assertThat(readAsUser(u, moved + p)).isEqualTo(0x1001);
        long free = u.m.nrFreePages();
        assertThat(u.mremap.mremap(u.cpu, mm, moved, 6 * p, p, 0, 0)).as("shrink").isEqualTo(moved);
        assertThat(mm.vmas().vmaLookup(moved).end()).isEqualTo(moved + p);
        assertThat(u.m.nrFreePages()).as("the second page went").isEqualTo(free + 1);
        long fixed = A + 64 * p;
        u.mmap.vmMmapPgoff(u.cpu, mm, fixed, 3 * p, PROT_READ, ANON, null, 0);
        assertThat(u.mremap.mremap(u.cpu, mm, moved, p, 2 * p, MREMAP_MAYMOVE | MREMAP_FIXED, fixed)).isEqualTo(fixed);
        assertThat(readAsUser(u, fixed)).isEqualTo(0x1000);
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end).contains(tuple(fixed, fixed + 2 * p), tuple(fixed + 2 * p, fixed + 3 * p));
        u.m.scheduler().contextSwitch(u.cpu, u.m.scheduler().idleTask(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void errnos(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * p, RW, ANON, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 2 * p, p, PROT_READ, ANON, null, 0);
        assertThat(u.mremap.mremap(u.cpu, mm, A, p, p, 8, 0)).as("unknown flag").isEqualTo(-Errno.EINVAL);
        assertThat(u.mremap.mremap(u.cpu, mm, A, p, p, MREMAP_FIXED, A + 8 * p)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mremap.mremap(u.cpu, mm, A + 1, p, p, 0, 0)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mremap.mremap(u.cpu, mm, A, p, 0, 0, 0)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mremap.mremap(u.cpu, mm, A + 8 * p, p, 2 * p, MREMAP_MAYMOVE, 0)).as("no VMA").isEqualTo(-Errno.EFAULT);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 3 * p, 4 * p, MREMAP_MAYMOVE, 0)).as("across two VMAs")
                .isEqualTo(-Errno.EFAULT);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 2 * p, 2 * p, MREMAP_MAYMOVE | MREMAP_FIXED, A + p))
                .as("overlap").isEqualTo(-Errno.EINVAL);
        assertThat(u.mremap.mremap(u.cpu, mm, A, p, p, MREMAP_MAYMOVE | MREMAP_FIXED, A + 9 * p + 1))
                .isEqualTo(-Errno.EINVAL);
        Vma v = mm.vmas().vmaLookup(A);
        v.setFlags(v.flags() | VmFlags.VM_DONTEXPAND);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 2 * p, 3 * p, MREMAP_MAYMOVE, 0)).isEqualTo(-Errno.EFAULT);
        assertThat(u.mremap.mremap(u.cpu, mm, A, 2 * p, 2 * p, 0, 0)).as("same size: nothing to do").isEqualTo(A);
    }
}
