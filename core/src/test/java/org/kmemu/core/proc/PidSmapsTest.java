package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.UserMm;

class PidSmapsTest {
    private static final long A = 0x20000000L;

    private static String entry(String head, long rss, long pss, long pssDirty, long sharedDirty, long privateDirty,
            long referenced, long anon, long locked, String vmFlags) {
        return entry(head, rss, pss, pssDirty, sharedDirty, 0, privateDirty, referenced, anon, locked, vmFlags);
    }

    private static String entry(String head, long rss, long pss, long pssDirty, long sharedDirty, long privateClean,
            long privateDirty, long referenced, long anon, long locked, String vmFlags) {
        return head
                + "Size:                 12 kB\n"
                + "KernelPageSize:        4 kB\n"
                + "MMUPageSize:           4 kB\n"
                + String.format("Rss:            %8d kB\n", rss)
                + String.format("Pss:            %8d kB\n", pss)
                + String.format("Pss_Dirty:      %8d kB\n", pssDirty)
                + "Shared_Clean:          0 kB\n"
                + String.format("Shared_Dirty:   %8d kB\n", sharedDirty)
                + String.format("Private_Clean:  %8d kB\n", privateClean)
                + String.format("Private_Dirty:  %8d kB\n", privateDirty)
                + String.format("Referenced:     %8d kB\n", referenced)
                + String.format("Anonymous:      %8d kB\n", anon)
                + "KSM:                   0 kB\n"
                + "LazyFree:              0 kB\n"
                + "AnonHugePages:         0 kB\n"
                + "ShmemPmdMapped:        0 kB\n"
                + "FilePmdMapped:         0 kB\n"
                + "Shared_Hugetlb:        0 kB\n"
                + "Private_Hugetlb:       0 kB\n"
                + "Swap:                  0 kB\n"
                + "SwapPss:               0 kB\n"
                + String.format("Locked:         %8d kB\n", locked)
                + "THPeligible:           0\n"
                + "VmFlags: " + vmFlags + "\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void showSmapFromThePtesBeforeAndAfterFork(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        u.run(mm);
        PidSmaps smaps = new PidSmaps(u.tables, u.m.kernel().pages(), u.m.pageFrames(), arch.equals("x86_64") ? 8 : 4);
        // 3 pages, 2 of them populated (a fixed map over the third leaves it empty)
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 2 * u.page(), Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED | Mman.MAP_POPULATE, null, 0);
        u.mmap.vmMmapPgoff(u.cpu, mm, A + 2 * u.page(), u.page(), Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        String head = "20000000-20003000 rw-p 00000000 00:00 0 \n";
        assertThat(smaps.render(u.cpu, mm)).isEqualTo(entry(head, 8, 8, 8, 0, 8, 8, 8, 0, "rd wr mr mw me ac "));

        Task child = u.m.scheduler().fork(u.cpu);
        Mm cmm = (Mm) child.mm();
        assertThat(smaps.render(u.cpu, mm)).as("each of the 2 pages is mapped twice: Pss halves, dirty is shared")
                .isEqualTo(entry(head, 8, 4, 4, 8, 0, 8, 8, 0, "rd wr mr mw me ac "));
        assertThat(smaps.render(u.cpu, cmm)).as("the child's PTEs are old: not referenced")
                .isEqualTo(entry(head, 8, 4, 4, 8, 0, 0, 8, 0, "rd wr mr mw me ac "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"i386", "e500-like"})
    void lockedAndAStackAndTheHeapName(String arch) {
        UserMm u = UserMm.boot(arch);
        Mm mm = u.newMm();
        PidSmaps smaps = new PidSmaps(u.tables, u.m.kernel().pages(), u.m.pageFrames(), 4);
        u.mmap.vmMmapPgoff(u.cpu, mm, A, 3 * u.page(), Mman.PROT_READ,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED | Mman.MAP_LOCKED | Mman.MAP_GROWSDOWN, null, 0);
        mm.setBrk(A, A + 1);
        String head = String.format("%-48s [heap]\n", "20000000-20003000 r--p 00000000 00:00 0 ");
        assertThat(smaps.render(u.cpu, mm)).isEqualTo(entry(head, 12, 12, 0, 0, 12, 0, 12, 12, 12, "rd mr mw me gd lo "));
    }
}
