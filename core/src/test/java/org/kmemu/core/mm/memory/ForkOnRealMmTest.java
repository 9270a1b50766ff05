package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.sched.Task;

/**
 * fork on real mms for the mappings copy_page_range must not skip in kmemu: shared anonymous memory (no
 * shmem: its PTEs are the only record of its pages) and PROT_NONE pages (not pte_none: they still hold
 * their page). Found by {@link UserMemorySystemPropertiesTest}.
 */
class ForkOnRealMmTest {
    private static final long U = 0x10000000L;

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void sharedAnonymousPagesWrittenBeforeForkStaySharedWithTheChild(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        assertThat(r.mmap(U, 2 * r.page, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS
                | Mman.MAP_FIXED, null, 0)).isEqualTo(U);
        r.store(U + 8, 0x1234);
        long pfn = r.pfn(U);
        Task parent = r.task;
        Task child = r.m.scheduler().fork(r.cpu);
        assertThat(r.pfn((Mm) child.mm(), U)).as("the child maps the same page").isEqualTo(pfn);
        assertThat(r.refs(pfn)).isEqualTo(2);
        assertThat(r.mapcount(pfn)).isEqualTo(2);
        r.m.scheduler().contextSwitch(r.cpu, child);
        assertThat(r.load(U + 8)).isEqualTo(0x1234);
        r.store(U + 12, 0x5678); // shared, not COW: no copy
        assertThat(r.pfn(U)).isEqualTo(pfn);
        r.exitCurrent();
        r.m.scheduler().contextSwitch(r.cpu, parent);
        assertThat(r.load(U + 12)).as("the parent sees the child's write").isEqualTo(0x5678);
        assertThat(r.refs(pfn)).isEqualTo(1);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.kmemu.core.mm.memory.UserMmFixture#machines")
    void aProtNonePrivatePageSurvivesForkAndStaysCopyOnWrite(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        r.anon(U, 1);
        r.store(U + 4, 0xabcd);
        long pfn = r.pfn(U);
        assertThat(r.um.mprotect().mprotect(r.cpu, r.mm, U, r.page, Mman.PROT_NONE)).isZero();
        Task parent = r.task;
        Task child = r.m.scheduler().fork(r.cpu);
        assertThat(r.refs(pfn)).as("the child's PROT_NONE entry holds the page too").isEqualTo(2);
        assertThat(r.mapcount(pfn)).isEqualTo(2);
        r.m.scheduler().contextSwitch(r.cpu, child);
        Mm cmm = (Mm) child.mm();
        assertThat(r.um.mprotect().mprotect(r.cpu, cmm, U, r.page, Mman.PROT_READ | Mman.PROT_WRITE)).isZero();
        assertThat(r.load(U + 4)).as("the child has the parent's data").isEqualTo(0xabcd);
        r.store(U + 4, 0x1111); // COW: the child gets its own copy
        assertThat(r.pfn(U)).isNotEqualTo(pfn);
        r.exitCurrent();
        r.m.scheduler().contextSwitch(r.cpu, parent);
        assertThat(r.um.mprotect().mprotect(r.cpu, r.mm, U, r.page, Mman.PROT_READ)).isZero();
        assertThat(r.load(U + 4)).as("the parent's data is its own").isEqualTo(0xabcd);
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }
}
