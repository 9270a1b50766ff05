package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.kmemu.core.mm.vma.Mman.MAP_ANONYMOUS;
import static org.kmemu.core.mm.vma.Mman.MAP_FIXED;
import static org.kmemu.core.mm.vma.Mman.MAP_PRIVATE;
import static org.kmemu.core.mm.vma.Mman.PROT_EXEC;
import static org.kmemu.core.mm.vma.Mman.PROT_READ;
import static org.kmemu.core.mm.vma.Mman.PROT_WRITE;
import static org.kmemu.core.mm.vma.VmFlags.VM_ACCOUNT;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYEXEC;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYREAD;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYWRITE;
import static org.kmemu.core.mm.vma.VmFlags.VM_READ;
import static org.kmemu.core.mm.vma.VmFlags.VM_WRITE;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.PteFlags;
import org.kmemu.core.testing.UserMm;

class MprotectTest {
    private static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MAY = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    private static final long A = 0x20000000L;

    private static List<Vma> vmas(Mm mm) {
        return List.copyOf(mm.vmas().vmas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void aMiddlePieceSplitsOffAndMergesBack(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 4 * p, RW, ANON | Mman.MAP_POPULATE, null, 0);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + p, 2 * p, PROT_READ)).isZero();
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::flags).containsExactly(
                tuple(A, A + p, VM_READ | VM_WRITE | MAY | VM_ACCOUNT),
                tuple(A + p, A + 3 * p, VM_READ | MAY | VM_ACCOUNT),
                tuple(A + 3 * p, A + 4 * p, VM_READ | VM_WRITE | MAY | VM_ACCOUNT));
        assertThat(pteFlags(u, mm, A + p) & PteFlags.WRITE).as("change_protection write-protected it").isZero();
        assertThat(pteFlags(u, mm, A) & PteFlags.WRITE).isNotZero();
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + p, 2 * p, RW)).isZero();
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::pgoff).containsExactly(tuple(A, A + 4 * p, A >>> u.m.pageShift()));
        assertThat(pteFlags(u, mm, A + 2 * p) & PteFlags.WRITE).isNotZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void theHeadOfAVmaJoinsThePreviousOneWithoutASplit(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * p, PROT_READ, ANON, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 2 * p, 3 * p, RW, ANON, null, 0);
        mm.vmas().setMaxMapCount(2);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 2 * p, p, PROT_READ)).isZero();
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::pgoff).containsExactly(
                tuple(A, A + 3 * p, A >>> u.m.pageShift()), tuple(A + 3 * p, A + 5 * p, (A >>> u.m.pageShift()) + 3));
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 4 * p, p, PROT_READ)).as("the tail joins nothing: split at max")
                .isEqualTo(-Errno.ENOMEM);
        mm.vmas().setMaxMapCount(10);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 3 * p, 2 * p, PROT_READ)).isZero();
        assertThat(vmas(mm)).as("the whole VMA joins prev: VM_ACCOUNT dropped, no anon_vma")
                .extracting(Vma::start, Vma::end, Vma::flags).containsExactly(tuple(A, A + 5 * p, VM_READ | MAY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void errnos(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * p, PROT_READ, ANON, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 3 * p, p, PROT_READ, ANON, null, 0);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 1, p, PROT_READ)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, p, PROT_READ | 0x10)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, p, PROT_READ | Mman.PROT_GROWSDOWN | Mman.PROT_GROWSUP))
                .isEqualTo(-Errno.EINVAL);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, 0, RW)).as("len 0").isZero();
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, -p, RW)).as("wraps").isEqualTo(-Errno.ENOMEM);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 10 * p, p, RW)).as("nothing there").isEqualTo(-Errno.ENOMEM);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A - p, 2 * p, RW)).as("starts in a hole").isEqualTo(-Errno.ENOMEM);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + p, p, PROT_READ | Mman.PROT_GROWSDOWN))
                .as("PROT_GROWSDOWN on a VMA that does not grow down").isEqualTo(-Errno.EINVAL);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, 4 * p, RW)).as("a hole after the first VMA").isEqualTo(-Errno.ENOMEM);
        assertThat(mm.vmas().vmaLookup(A).flags() & VM_WRITE).as("what came before the hole is done").isNotZero();
        Vma v = mm.vmas().vmaLookup(A + 3 * p);
        v.setFlags(v.flags() & ~(VM_MAYWRITE | VM_MAYEXEC));
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 3 * p, p, RW)).as("VM_MAYWRITE clear").isEqualTo(-Errno.EACCES);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 3 * p, p, PROT_READ | PROT_EXEC)).isEqualTo(-Errno.EACCES);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 3 * p, p, 0)).as("taking away is always allowed").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void growsdownExtendsToTheVmaStart(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 4 * p, RW, ANON | Mman.MAP_GROWSDOWN, null, 0);
        assertThat(u.mprotect.mprotect(u.cpu, mm, A + 2 * p, p, PROT_READ | Mman.PROT_GROWSDOWN)).isZero();
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end).containsExactly(tuple(A, A + 3 * p), tuple(A + 3 * p, A + 4 * p));
        assertThat(mm.vmas().vmaLookup(A).flags() & VM_WRITE).isZero();
        assertThat(u.mprotect.mprotect(u.cpu, mm, A, p, RW | Mman.PROT_GROWSDOWN)).as("starting right at the VMA")
                .isZero();
        assertThat(u.mprotect.mprotect(u.cpu, mm, A - 4 * p, p, RW | Mman.PROT_GROWSDOWN)).as("nothing there")
                .isEqualTo(-Errno.ENOMEM);
    }

    static int pteFlags(UserMm u, Mm mm, long addr) {
        return u.tables.flags(u.tables.readPte(u.tables.ptep(u.cpu, mm, addr, false)));
    }
}
