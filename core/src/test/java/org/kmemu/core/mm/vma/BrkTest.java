package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.core.testing.UserMm;

class BrkTest {
    private static List<Vma> vmas(Mm mm) {
        return List.copyOf(mm.vmas().vmas());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like", "page64k"})
    void theHeapGrowsMergesShrinksAndRefusesWhatTheKernelRefuses(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        long p = u.page();
        long start = 0x08000000L;
        // the program's bss ends where the heap starts: the first brk does not merge with it (vma_prev_limit)
        u.mmap.vmMmapPgoff(u.cpu, mm, start - p, p, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        mm.setBrk(start, start);
        assertThat(u.mmap.brk(u.cpu, mm, start + p + 5)).isEqualTo(start + p + 5);
        assertThat(mm.brk()).isEqualTo(start + p + 5);
        assertThat(vmas(mm)).extracting(Vma::start, Vma::end, Vma::flags).containsExactly(
                tuple(start - p, start, VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
                        | VmFlags.VM_MAYEXEC | VmFlags.VM_ACCOUNT),
                tuple(start, start + 2 * p, VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE
                        | VmFlags.VM_MAYEXEC | VmFlags.VM_ACCOUNT));
        assertThat(u.mmap.brk(u.cpu, mm, start + 2 * p - 1)).as("same page: only mm->brk moves").isEqualTo(start + 2 * p - 1);
        assertThat(u.mmap.brk(u.cpu, mm, start + 4 * p)).isEqualTo(start + 4 * p);
        assertThat(vmas(mm)).hasSize(2);
        assertThat(vmas(mm).get(1).end()).as("merged into the heap").isEqualTo(start + 4 * p);
        assertThat(u.mmap.brk(u.cpu, mm, start + p)).as("shrinking").isEqualTo(start + p);
        assertThat(vmas(mm).get(1).end()).isEqualTo(start + p);
        assertThat(u.mmap.brk(u.cpu, mm, start - 1)).as("below start_brk: the old brk").isEqualTo(start + p);
        // a mapping in the way (within a page and stack_guard_gap of the new end) refuses growth
        long blocker = start + 16 * p;
        u.mmap.vmMmapPgoff(u.cpu, mm, blocker, p, Mman.PROT_READ, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED,
                null, 0);
        assertThat(u.mmap.brk(u.cpu, mm, blocker + p)).as("over a mapping").isEqualTo(start + p);
        assertThat(u.mmap.brk(u.cpu, mm, blocker - p + 1)).as("less than a page below it").isEqualTo(start + p);
        assertThat(mm.brk()).isEqualTo(start + p);
        assertThat(u.mmap.brk(u.cpu, mm, blocker - p)).as("a page below it is fine").isEqualTo(blocker - p);
        assertThat(u.mmap.brk(u.cpu, mm, start)).as("shrinks to nothing").isEqualTo(start);
        assertThat(vmas(mm)).hasSize(2);
    }
}
