package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.vma.Mman.MAP_ANONYMOUS;
import static org.kmemu.core.mm.vma.Mman.MAP_FIXED;
import static org.kmemu.core.mm.vma.Mman.MAP_FIXED_NOREPLACE;
import static org.kmemu.core.mm.vma.Mman.MAP_PRIVATE;
import static org.kmemu.core.mm.vma.Mman.MAP_SHARED;
import static org.kmemu.core.mm.vma.Mman.PROT_READ;
import static org.kmemu.core.mm.vma.Mman.PROT_WRITE;
import static org.kmemu.core.mm.vma.VmFlags.VM_ACCOUNT;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYEXEC;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYREAD;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYSHARE;
import static org.kmemu.core.mm.vma.VmFlags.VM_MAYWRITE;
import static org.kmemu.core.mm.vma.VmFlags.VM_READ;
import static org.kmemu.core.mm.vma.VmFlags.VM_SHARED;
import static org.kmemu.core.mm.vma.VmFlags.VM_WRITE;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.testing.UserMm;

class MmapTest {
    private static final int ANON = MAP_PRIVATE | MAP_ANONYMOUS;
    private static final int RW = PROT_READ | PROT_WRITE;
    private static final long MAY = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

    private static long mmap(UserMm u, Mm mm, long addr, long len, int prot, int flags) {
        return u.mmap.vmMmapPgoff(u.cpu, mm, addr, len, prot, flags, null, 0);
    }

    private static List<Vma> vmas(Mm mm) {
        return List.copyOf(mm.vmas().vmas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void anonymousPrivateGoesBelowMmapBaseWithTheKernelsFlags(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long a = mmap(u, mm, 0, 3 * p - 5, RW, ANON);
        assertThat(a).isEqualTo(mm.mmapBase() - 3 * p);
        Vma v = mm.vmas().vmaLookup(a);
        assertThat(v.end()).as("len page-aligned up").isEqualTo(a + 3 * p);
        assertThat(v.flags()).as("private writable is accounted").isEqualTo(VM_READ | VM_WRITE | MAY | VM_ACCOUNT);
        assertThat(v.pgoff()).as("pgoff = addr >> PAGE_SHIFT").isEqualTo(a >>> u.m.pageShift());
        long r = mmap(u, mm, 0, p, PROT_READ, ANON);
        assertThat(r).isEqualTo(a - p);
        assertThat(mm.vmas().vmaLookup(r).flags()).isEqualTo(VM_READ | MAY);
        long s = mmap(u, mm, 0, p, RW, MAP_SHARED | MAP_ANONYMOUS);
        Vma shared = mm.vmas().vmaLookup(s);
        assertThat(shared.flags()).isEqualTo(VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE | MAY);
        assertThat(shared.pgoff()).isZero();
        long nr = mmap(u, mm, 0, p, RW, ANON | Mman.Abi.of(arch).mapNoreserve());
        assertThat(mm.vmas().vmaLookup(nr).flags()).isEqualTo(VM_READ | VM_WRITE | MAY | VmFlags.VM_NORESERVE);
        long st = mmap(u, mm, 0, p, RW, ANON | Mman.MAP_STACK | Mman.MAP_GROWSDOWN);
        assertThat(mm.vmas().vmaLookup(st).flags() & (VmFlags.VM_NOHUGEPAGE | VmFlags.VM_GROWSDOWN))
                .isEqualTo(VmFlags.VM_NOHUGEPAGE | VmFlags.VM_GROWSDOWN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void everyErrnoOfDoMmap(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long task = mm.taskSize();
        assertThat(mmap(u, mm, 0, 0, RW, ANON)).as("len 0").isEqualTo(-Errno.EINVAL);
        assertThat(mmap(u, mm, 0, -1L, RW, ANON)).as("PAGE_ALIGN(len) wraps").isEqualTo(-Errno.ENOMEM);
        assertThat(mmap(u, mm, 0, task, RW, ANON)).as("len > TASK_SIZE - mmap_min_addr").isEqualTo(-Errno.ENOMEM);
        assertThat(mmap(u, mm, 10 * p + 1, p, RW, ANON | MAP_FIXED)).as("unaligned MAP_FIXED").isEqualTo(-Errno.EINVAL);
        assertThat(mmap(u, mm, task - p, 2 * p, RW, ANON | MAP_FIXED)).as("MAP_FIXED past TASK_SIZE").isEqualTo(-Errno.ENOMEM);
        assertThat(mmap(u, mm, 0, p, RW, ANON | MAP_FIXED)).as("below mmap_min_addr").isEqualTo(-Errno.EPERM);
        assertThat(mmap(u, mm, 0, p, RW, MAP_ANONYMOUS)).as("no MAP_TYPE").isEqualTo(-Errno.EINVAL);
        assertThat(mmap(u, mm, 0, p, RW, MAP_ANONYMOUS | Mman.MAP_SHARED_VALIDATE)).as("anon SHARED_VALIDATE")
                .isEqualTo(-Errno.EINVAL);
        assertThat(mmap(u, mm, 0, p, RW, MAP_SHARED | MAP_ANONYMOUS | Mman.MAP_GROWSDOWN)).as("shared growsdown")
                .isEqualTo(-Errno.EINVAL);
        assertThat(mmap(u, mm, 0, p, RW, MAP_PRIVATE)).as("no file, no MAP_ANONYMOUS").isEqualTo(-Errno.EBADF);
        VmFile file = new VmFile("/f", 8, 1, 12);
        assertThat(u.mmap.vmMmapPgoff(u.cpu, mm, 0, 2 * p, PROT_READ, MAP_PRIVATE, file, -1L))
                .as("pgoff + pages wraps").isEqualTo(-Errno.EOVERFLOW);
        assertThat(u.mmap.vmMmapPgoff(u.cpu, mm, 0, p, PROT_READ, Mman.MAP_SHARED_VALIDATE | Mman.MAP_32BIT, file, 0))
                .as("a flag SHARED_VALIDATE does not know").isEqualTo(-Errno.EOPNOTSUPP);
        assertThat(u.mmap.vmMmapPgoff(u.cpu, mm, 0, p, PROT_READ, 0x0f, file, 0)).as("bad type for a file")
                .isEqualTo(-Errno.EINVAL);
        assertThat(u.mmap.sysMmap(u.cpu, mm, 0, p, PROT_READ, MAP_PRIVATE, file, 100)).as("unaligned offset")
                .isEqualTo(-Errno.EINVAL);
        long f = u.mmap.sysMmap(u.cpu, mm, 0, p, PROT_READ, MAP_SHARED, file, 3 * p);
        assertThat(mm.vmas().vmaLookup(f).pgoff()).isEqualTo(3);
        assertThat(mm.vmas().vmaLookup(f).flags()).isEqualTo(VM_READ | VM_SHARED | VM_MAYSHARE | MAY);
        assertThat(mm.vmas().mapCount()).isEqualTo(1);
    }

    @Test
    void maxMapCountIsCheckedStrictlyAbove() {
        UserMm u = UserMm.boot("x86_64");
        Mm mm = u.newMm();
        long p = u.page();
        mm.vmas().setMaxMapCount(2);
        // alternate protections so nothing merges
        assertThat(mmap(u, mm, 0, p, RW, ANON)).isPositive();
        assertThat(mmap(u, mm, 0, p, PROT_READ, ANON)).isPositive();
        assertThat(mmap(u, mm, 0, p, RW, ANON)).as("map_count 2 is not above 2 (do_mmap's test)").isPositive();
        assertThat(mm.vmas().mapCount()).isEqualTo(3);
        assertThat(mmap(u, mm, 0, p, PROT_READ, ANON)).isEqualTo(-Errno.ENOMEM);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void aFreeHintIsTakenRoundedDownAndAHintInPageZeroIsNone(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long hint = 0x10000000L;
        assertThat(mmap(u, mm, hint + 5, p, RW, ANON)).as("rounded down to its page").isEqualTo(hint);
        assertThat(mmap(u, mm, hint, p, PROT_READ, ANON)).as("taken: top-down instead").isEqualTo(mm.mmapBase() - p);
        long low = mmap(u, mm, 1, p, PROT_READ, ANON);
        assertThat(low).as("a hint in page 0 is no hint").isEqualTo(mm.mmapBase() - 2 * p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void mapFixedReplacesWhatWasThereAndNoreplaceRefuses(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long a = 0x20000000L;
        assertThat(mmap(u, mm, a, 4 * p, RW, ANON | MAP_FIXED | Mman.MAP_POPULATE)).isEqualTo(a);
        long oldPfn = pfnAt(u, mm, a + p);
        int refBefore = u.m.kernel().pages().pageRefCount(oldPfn);
        assertThat(refBefore).isEqualTo(1);
        long free = u.m.nrFreePages();
        assertThat(mmap(u, mm, a + p, 2 * p, PROT_READ, ANON | MAP_FIXED_NOREPLACE)).isEqualTo(-Errno.EEXIST);
        assertThat(mmap(u, mm, a + p, 2 * p, PROT_READ, ANON | MAP_FIXED)).isEqualTo(a + p);
        assertThat(u.m.nrFreePages()).as("the two old pages went back").isEqualTo(free + 2);
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::flags).containsExactly(
                org.assertj.core.groups.Tuple.tuple(a, a + p, VM_READ | VM_WRITE | MAY | VM_ACCOUNT),
                org.assertj.core.groups.Tuple.tuple(a + p, a + 3 * p, VM_READ | MAY),
                org.assertj.core.groups.Tuple.tuple(a + 3 * p, a + 4 * p, VM_READ | VM_WRITE | MAY | VM_ACCOUNT));
        assertThat(pfnAt(u, mm, a + p)).as("no PTE left in the new mapping").isEqualTo(-1);
        assertThat(pfnAt(u, mm, a)).as("the neighbours keep theirs").isNotEqualTo(-1);
        assertThat(mmap(u, mm, a + 8 * p, p, PROT_READ, ANON | MAP_FIXED_NOREPLACE)).as("free: fine").isEqualTo(a + 8 * p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void adjacentCompatibleMappingsMergeAndOthersDoNot(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long a = mmap(u, mm, 0, 2 * p, RW, ANON);
        long b = mmap(u, mm, 0, p, RW, ANON);
        assertThat(b).isEqualTo(a - p);
        assertThat(vmas(mm)).hasSize(1);
        assertThat(vmas(mm).get(0).start()).isEqualTo(b);
        assertThat(vmas(mm).get(0).end()).isEqualTo(a + 2 * p);
        assertThat(vmas(mm).get(0).pgoff()).isEqualTo(b >>> u.m.pageShift());
        long c = mmap(u, mm, 0, p, PROT_READ, ANON);
        assertThat(vmas(mm)).hasSize(2);
        // fill the gap between two RW mappings: all three merge
        long d = mmap(u, mm, c - p, p, RW, ANON | MAP_FIXED);
        assertThat(mmap(u, mm, c, p, RW, ANON | MAP_FIXED)).isEqualTo(c);
        assertThat(vmas(mm)).hasSize(1);
        assertThat(vmas(mm).get(0).start()).isEqualTo(d);
        long s1 = mmap(u, mm, 0x30000000L, p, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
        mmap(u, mm, s1 + p, p, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
        assertThat(mm.vmas().vmaLookup(s1).end()).as("shared anonymous objects never merge").isEqualTo(s1 + p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void munmapOfAMiddlePieceSplitsAndFreesTablesBetweenTheNeighbours(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long a = 0x20000000L;
        mmap(u, mm, a, 5 * p, RW, ANON | MAP_FIXED | Mman.MAP_POPULATE);
        long free = u.m.nrFreePages();
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + p, 2 * p)).isZero();
        assertThat(u.m.nrFreePages()).isEqualTo(free + 2);
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::pgoff).containsExactly(
                org.assertj.core.groups.Tuple.tuple(a, a + p, a >>> u.m.pageShift()),
                org.assertj.core.groups.Tuple.tuple(a + 3 * p, a + 5 * p, (a >>> u.m.pageShift()) + 3));
        long[] last = u.ops.freed.get(u.ops.freed.size() - 1);
        assertThat(last).containsExactly(a + p, a + 3 * p);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + p, p)).as("nothing there: 0").isZero();
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + 1, p)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a, 0)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, mm.taskSize() + p, p)).isEqualTo(-Errno.EINVAL);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a, mm.taskSize())).isEqualTo(-Errno.EINVAL);
        // across both pieces and the hole between
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a, 4 * p)).isZero();
        assertThat(vmas(mm)).extracting(Vma::start).containsExactly(a + 4 * p);
        assertThat(u.ops.freed.get(u.ops.freed.size() - 1)).containsExactly(0L, a + 4 * p);
    }

    @Test
    void munmapSplittingBothEndsAtMaxMapCountIsEnomemButAHeadIsFine() {
        UserMm u = UserMm.boot("x86_64");
        Mm mm = u.newMm();
        long p = u.page();
        long a = 0x20000000L;
        mmap(u, mm, a, 4 * p, RW, ANON | MAP_FIXED);
        mmap(u, mm, a + 8 * p, 4 * p, RW, ANON | MAP_FIXED);
        mm.vmas().setMaxMapCount(2);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + p, p)).isEqualTo(-Errno.ENOMEM);
        assertThat(vmas(mm)).hasSize(2);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a, p)).as("a head needs no new VMA").isZero();
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + 3 * p, p)).as("a tail neither").isZero();
        mm.vmas().setMaxMapCount(3);
        assertThat(u.mmap.vmMunmap(u.cpu, mm, a + 9 * p, p)).as("the second split is unchecked (__split_vma)").isZero();
        assertThat(vmas(mm)).extracting(Vma::start).containsExactly(a + p, a + 8 * p, a + 10 * p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void mapPopulateAndMapLockedFaultEverythingIn(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long a = mmap(u, mm, 0, 3 * p, RW, ANON | Mman.MAP_POPULATE);
        for (int i = 0; i < 3; i++) {
            assertThat(pfnAt(u, mm, a + i * p)).isNotEqualTo(-1);
        }
        long n = mmap(u, mm, 0, p, RW, ANON | Mman.MAP_POPULATE | Mman.MAP_NONBLOCK);
        assertThat(pfnAt(u, mm, n)).as("MAP_NONBLOCK cancels MAP_POPULATE").isEqualTo(-1);
        long l = mmap(u, mm, 0, p, PROT_READ, ANON | Mman.Abi.of(arch).mapLocked());
        assertThat(mm.vmas().vmaLookup(l).flags() & VmFlags.VM_LOCKED).isNotZero();
        assertThat(pfnAt(u, mm, l)).isNotEqualTo(-1);
    }

    /** @return the pfn the PTE at addr maps, or -1 */
    static long pfnAt(UserMm u, Mm mm, long addr) {
        long ptep = u.tables.ptep(u.cpu, mm, addr, false);
        if (ptep == UserPageTables.NO_PTEP) {
            return -1;
        }
        long pte = u.tables.readPte(ptep);
        return u.tables.present(pte) ? u.tables.pfn(pte) : -1;
    }
}
