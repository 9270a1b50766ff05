package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.PageFaultException;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;
import org.junit.jupiter.api.Test;

class VmallocTest {
    private static final long PAGE = 4096;

    private static List<String> logSince(Machine m, int from) {
        List<String> all = m.log().texts();
        return all.subList(from, all.size());
    }

    // ---- placement ------------------------------------------------------------------------------

    @Test
    void areasArePlacedLowestFirstWithAGuardPageAfterEach() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long start = m.layout().vmallocStart();

        long a = v.vmalloc(cpu, 1, "a");
        long b = v.vmalloc(cpu, 3 * PAGE, "b");
        long c = v.vmalloc(cpu, 2 * PAGE - 100, "c");
        assertThat(a).isEqualTo(start);
        assertThat(b).isEqualTo(start + 2 * PAGE);
        assertThat(c).isEqualTo(b + 4 * PAGE);
        assertThat(v.findVmArea(b).size()).isEqualTo(4 * PAGE);
        assertThat(v.findVmArea(c).nrPages()).isEqualTo(2);

        // Every usable page is mapped, every guard page is not, and touching a guard page faults.
        for (long p = 0; p < 3; p++) {
            assertThat(v.vmallocToPage(b + p * PAGE)).isNotEqualTo(-1);
        }
        assertThat(v.vmallocToPage(a + PAGE)).isEqualTo(-1);
        assertThat(v.vmallocToPage(b + 3 * PAGE)).isEqualTo(-1);
        assertThatThrownBy(() -> cpu.load32(b + 3 * PAGE)).isInstanceOf(PageFaultException.class);
        assertThat(v.isVmallocAddr(b)).isTrue();
        assertThat(v.isVmallocAddr(m.layout().vmallocEnd())).isFalse();
        assertThat(v.isVmallocAddr(m.layout().pageOffset())).isFalse();

        // b's hole becomes reusable only after a purge; then first fit puts a 2-page area into it.
        v.vfree(cpu, b);
        assertThat(v.vmalloc(cpu, 2 * PAGE, "d")).isEqualTo(c + 3 * PAGE);
        v.purgeVmapAreaLazy(cpu);
        assertThat(v.vmalloc(cpu, 2 * PAGE, "e")).isEqualTo(b);
        // The 1-page rest of the hole is too small for 1 page + guard.
        assertThat(v.vmalloc(cpu, PAGE, "f")).isEqualTo(c + 6 * PAGE);
    }

    // ---- backing pages --------------------------------------------------------------------------

    @Test
    void dataWrittenThroughVmallocLandsInTheBackingPagesAndTheDirectMapSeesIt() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        AddressTranslation t = KernelServices.addressTranslation(m);
        Cpu cpu = m.mmu().cpu(0);
        long p = v.vmalloc(cpu, 3 * PAGE, "test");
        long[] pages = v.findVmArea(p).pages();
        assertThat(pages).hasSize(3);
        for (int i = 0; i < 3; i++) {
            cpu.store32(p + i * PAGE + 8, 0x1000 + i);
        }
        for (int i = 0; i < 3; i++) {
            long pfn = v.vmallocToPage(p + i * PAGE + 100);
            assertThat(pfn).isEqualTo(pages[i]);
            assertThat(t.pageHighMem(pfn)).isFalse();
            assertThat(cpu.load32(t.pageAddress(pfn) + 8)).isEqualTo(0x1000 + i);
            assertThat(m.memory().readInt((pfn << 12) + 8)).isEqualTo(0x1000 + i);
        }
        assertThat(v.nrVmallocPages()).isEqualTo(3);
        v.vfree(cpu, p);
        assertThat(v.nrVmallocPages()).isZero();
    }

    @Test
    void onI386VmallocPagesComeFromHighmemAndNeedNoKmap() {
        Machine m = TestMachines.i386(2L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        AddressTranslation t = KernelServices.addressTranslation(m);
        Cpu cpu = m.mmu().cpu(0);
        long highFree = m.nrFreeHighPages();
        long p = v.vmalloc(cpu, 16 * PAGE, "test");
        long[] pages = v.findVmArea(p).pages();
        assertThat(m.nrFreeHighPages()).isEqualTo(highFree - 16);
        assertThat(java.util.Arrays.stream(pages).anyMatch(t::pageHighMem)).isTrue();
        for (int i = 0; i < 16; i++) {
            assertThat(v.vmallocToPage(p + i * PAGE)).isEqualTo(pages[i]);
            cpu.store32(p + i * PAGE, 0x5a000000 | i);
            assertThat(m.memory().readInt(pages[i] << 12)).isEqualTo(0x5a000000 | i);
        }
        assertThat(t.pageAddress(pages[0])).isZero();

        // GFP_DMA keeps the pages in ZONE_DMA, so no __GFP_HIGHMEM is added.
        long d = v.vmallocGfp(cpu, 2 * PAGE, Gfp.GFP_KERNEL | Gfp.GFP_DMA, "dma");
        for (long pfn : v.findVmArea(d).pages()) {
            assertThat(pfn).isLessThan(16L << 20 >>> 12);
        }
    }

    @Test
    void vzallocZeroesPagesThatHoldThePoison() {
        MachineConfig poisoned = new MachineConfig("i386", TestMachines.ORIGIN, FirstFitPolicy.ID, TestMachines.ORIGIN, "simple",
                TestMachines.ORIGIN, 2,
                new MachineConfig.MemorySpec(1L << 30, List.of(), TestMachines.ORIGIN, (byte) 0xa5), TestMachines.defaultKernel(),
                TestMachines.defaultClock());
        Machine m = Boot.boot(poisoned, new I386TestArch(), new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new org.kmemu.core.testing.SimpleSlabPolicy(), TestMachines.slabConfig());
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long dirty = v.vmalloc(cpu, 2 * PAGE, "plain");
        assertThat(cpu.load32(dirty + PAGE + 12)).isEqualTo(0xa5a5a5a5);
        long clean = v.vzalloc(cpu, 2 * PAGE, "zeroed");
        for (long off = 0; off < 2 * PAGE; off += 8) {
            assertThat(cpu.load64(clean + off)).isZero();
        }
        long zeroGfp = v.vmallocGfp(cpu, PAGE, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, "gfp-zero");
        assertThat(cpu.load32(zeroGfp + 40)).isZero();
    }

    // ---- failures -------------------------------------------------------------------------------

    @Test
    void zeroAndOversizedRequestsFailWithTheKernelsText() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        int mark = m.log().texts().size();
        assertThat(v.vmalloc(cpu, 0, "x")).isZero();
        long tooMany = (m.totalRamPages() + 1) * PAGE;
        assertThat(v.vmalloc(cpu, tooMany - 5, "x")).isZero();
        assertThat(v.vmallocGfp(cpu, tooMany, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, "x")).isZero();
        assertThat(logSince(m, mark)).containsExactly(
                "swapper/0: vmalloc error: size 0, exceeds total pages, mode:0xcc0(GFP_KERNEL), nodemask=(null)",
                "swapper/0: vmalloc error: size " + (tooMany - 5) + ", exceeds total pages, mode:0xcc0(GFP_KERNEL), nodemask=(null)");
        assertThat(v.busyAreas()).isEmpty();
    }

    @Test
    void aFailedPageAllocationUndoesEverythingAndSaysSo() {
        Machine m = TestMachines.i386(64L << 20);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long free = m.nrFreePages();
        long tables = m.mmu().kernelTables().tablePages();
        int mark = m.log().texts().size();
        // Within totalram_pages, but more than is free: the page loop runs dry.
        long nr = m.totalRamPages();
        assertThat(v.vmalloc(cpu, nr * PAGE, "big")).isZero();
        // The 4-byte page pointers fill more than a page, so that array was vmalloc'ed first.
        long arrayPages = (nr * 4 + PAGE - 1) / PAGE;
        long newTables = m.mmu().kernelTables().tablePages() - tables;
        long got = free - arrayPages - newTables;
        assertThat(logSince(m, mark)).containsExactly("swapper/0: vmalloc error: size " + got * PAGE
                + ", page order 0, failed to allocate pages, mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM), nodemask=(null)");
        assertThat(m.nrFreePages()).isEqualTo(free - newTables);
        assertThat(v.busyAreas()).isEmpty();
        assertThat(v.nrVmallocPages()).isZero();
        // As in the kernel, the failed area's address space is freed lazily.
        assertThat(v.purgeAreas()).isNotEmpty();
    }

    @Test
    void theI386WindowRunsOutAndAPurgeMakesRoomAgain() {
        Machine m = TestMachines.i386(2L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long window = m.layout().vmallocEnd() - m.layout().vmallocStart();
        // [0xf8800000, 0xff7fe000): 8 MiB past high_memory up to two pages below PKMAP_BASE.
        assertThat(window).isEqualTo(0x6ffe000L);

        int mark = m.log().texts().size();
        assertThat(v.vmalloc(cpu, 112L << 20, "huge")).isZero();
        assertThat(logSince(m, mark)).containsExactly(
                "vmap allocation for size " + ((112L << 20) + PAGE) + " failed: use vmalloc=<size> to increase size",
                "swapper/0: vmalloc error: size " + (112L << 20) + ", vm_struct allocation failed, mode:0xcc0(GFP_KERNEL), nodemask=(null)");

        List<Long> areas = new ArrayList<>();
        long p;
        while ((p = v.vmalloc(cpu, 1L << 20, "fill")) != 0) {
            areas.add(p);
        }
        assertThat(areas).hasSize((int) (window / ((1L << 20) + PAGE)));
        assertThat(areas.get(areas.size() - 1) + (1L << 20) + PAGE).isLessThanOrEqualTo(m.layout().vmallocEnd());

        // A vfree'd range waits on the lazy list; the next allocation that finds no room purges it.
        v.vfree(cpu, areas.get(5));
        assertThat(v.purges()).isZero();
        assertThat(v.vmalloc(cpu, 1L << 20, "again")).isEqualTo(areas.get(5));
        assertThat(v.purges()).isEqualTo(1);
    }

    // ---- lazy purge -----------------------------------------------------------------------------

    @Test
    void freedRangesWaitUntilTheLazyPagesPassTheLimitThenOneFlushPurgesThemAll() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        // 2 CPUs: fls(2) = 2, so 2 * 32 MiB of pages.
        assertThat(v.lazyMaxPages()).isEqualTo(2 * 8192);
        long pfn = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0);
        long[] same = new long[4095];
        java.util.Arrays.fill(same, pfn);
        long[] areas = new long[5];
        for (int i = 0; i < 5; i++) {
            areas[i] = v.vmap(cpu, same, same.length, "ring");
        }
        for (int i = 0; i < 4; i++) {
            v.vunmap(cpu, areas[i]);
        }
        // 4 * (4095 + 1 guard) = 16384 pages: not above the limit yet.
        assertThat(v.vmapLazyNr()).isEqualTo(16384);
        assertThat(v.purges()).isZero();
        assertThat(v.purgeAreas()).hasSize(4);
        long flushes = cpu.tlbStats().flushes();

        v.vunmap(cpu, areas[4]);
        assertThat(v.purges()).isEqualTo(1);
        assertThat(cpu.tlbStats().flushes()).isEqualTo(flushes + 1);
        assertThat(v.vmapLazyNr()).isZero();
        assertThat(v.purgeAreas()).isEmpty();
        assertThat(v.freeRanges()).hasSize(1);
        assertThat(v.freeRanges().get(0)).containsExactly(m.layout().vmallocStart(), m.layout().vmallocEnd());
    }

    @Test
    void aStaleTlbEntryOutlivesVfreeUntilThePurge() {
        Machine m = TestMachines.i386(2L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu0 = m.mmu().cpu(0);
        Cpu cpu1 = m.mmu().cpu(1);
        long p = v.vmalloc(cpu0, PAGE, "victim");
        cpu1.store32(p + 16, 0xdeadbeef);

        v.vfree(cpu0, p);
        assertThat(v.vmallocToPage(p)).isEqualTo(-1);
        // CPU 1 cached the translation and nobody flushed it: the freed page is still reachable.
        assertThat(cpu1.load32(p + 16)).isEqualTo(0xdeadbeef);
        // CPU 0 never cached it, so its walk finds the cleared PTE.
        assertThatThrownBy(() -> cpu0.load32(p + 16)).isInstanceOf(PageFaultException.class);

        assertThat(v.purgeVmapAreaLazy(cpu0)).isTrue();
        assertThatThrownBy(() -> cpu1.load32(p + 16)).isInstanceOf(PageFaultException.class)
                .hasMessageContaining("BUG: unable to handle page fault");
    }

    // ---- misuse ---------------------------------------------------------------------------------

    @Test
    void vfreeOfNullIsANoOpAndABadAddressOnlyWarns() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long p = v.vmalloc(cpu, 2 * PAGE, "keep");
        long free = m.nrFreePages();
        List<VmapArea> busy = v.busyAreas();
        int mark = m.log().texts().size();

        v.vfree(cpu, 0);
        assertThat(logSince(m, mark)).isEmpty();

        v.vfree(cpu, p + 64 * PAGE);
        v.vfree(cpu, p + 8);
        assertThat(logSince(m, mark)).containsExactly(
                "------------[ cut here ]------------",
                String.format("Trying to vfree() nonexistent vm area (%016x)", p + 64 * PAGE),
                "------------[ cut here ]------------",
                String.format("Trying to vfree() bad address (%016x)", p + 8),
                "------------[ cut here ]------------",
                String.format("Trying to vfree() nonexistent vm area (%016x)", p + 8));
        assertThat(v.busyAreas()).isEqualTo(busy);
        assertThat(v.purgeAreas()).isEmpty();
        assertThat(m.nrFreePages()).isEqualTo(free);

        // A double vfree: the second finds no busy area.
        v.vfree(cpu, p);
        int mark2 = m.log().texts().size();
        v.vfree(cpu, p);
        assertThat(logSince(m, mark2)).contains(String.format("Trying to vfree() nonexistent vm area (%016x)", p));
    }

    // ---- vmap -----------------------------------------------------------------------------------

    @Test
    void vmapMapsTheCallersPagesAndVunmapLeavesThemAllocated() {
        Machine m = TestMachines.i386(2L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        AddressTranslation t = KernelServices.addressTranslation(m);
        Cpu cpu = m.mmu().cpu(0);
        PageAllocator pa = m.pageAllocator();
        long[] pfns = new long[3];
        for (int i = 0; i < 3; i++) {
            pfns[i] = pa.allocPages(0, Gfp.GFP_KERNEL, 0);
            cpu.store32(t.pageAddress(pfns[i]) + 4, 0x700 + i);
        }
        long free = m.nrFreePages();
        long tables = m.mmu().kernelTables().tablePages();
        long addr = v.vmap(cpu, new long[] {pfns[2], pfns[0], pfns[1]}, 3, "mapper");
        assertThat(addr).isEqualTo(m.layout().vmallocStart());
        assertThat(cpu.load32(addr + 4)).isEqualTo(0x702);
        assertThat(cpu.load32(addr + PAGE + 4)).isEqualTo(0x700);
        assertThat(v.vmallocToPage(addr + 2 * PAGE)).isEqualTo(pfns[1]);
        assertThat(v.findVmArea(addr).flags()).isEqualTo(Vmalloc.VM_MAP);
        assertThat(v.findVmArea(addr).nrPages()).isZero();

        v.vunmap(cpu, addr);
        assertThat(v.vmallocToPage(addr)).isEqualTo(-1);
        // Only the page table the mapping needed is gone from the free pages (vmalloc keeps its tables).
        assertThat(m.nrFreePages()).isEqualTo(free - (m.mmu().kernelTables().tablePages() - tables));
        assertThat(cpu.load32(t.pageAddress(pfns[2]) + 4)).isEqualTo(0x702);

        assertThat(v.vmap(cpu, pfns, 0, "none")).isZero();
        assertThatThrownBy(() -> v.vmap(cpu, pfns, 4, "x")).isInstanceOf(IllegalArgumentException.class);
        int mark = m.log().texts().size();
        v.vunmap(cpu, addr);
        assertThat(logSince(m, mark)).contains(String.format("Trying to vunmap() nonexistent vm area (%08x)", addr));
    }

    @Test
    void aPageArrayLargerThanAPageIsVmallocedToo() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long free = m.nrFreePages();
        long tables = m.mmu().kernelTables().tablePages();
        long p = v.vmalloc(cpu, 513 * PAGE, "big");
        List<VmapArea> busy = v.busyAreas();
        assertThat(busy).hasSize(2);
        assertThat(busy.get(0).vaStart()).isEqualTo(p);
        assertThat(busy.get(0).nrPages()).isEqualTo(513);
        // 513 pointers of 8 bytes: 4104 bytes, 2 pages, right after the main area's guard page.
        assertThat(busy.get(1).vaStart()).isEqualTo(p + 514 * PAGE).isEqualTo(busy.get(0).pagesArray());
        assertThat(busy.get(1).nrPages()).isEqualTo(2);
        assertThat(v.nrVmallocPages()).isEqualTo(515);
        long used = m.mmu().kernelTables().tablePages() - tables;
        assertThat(m.nrFreePages()).isEqualTo(free - 515 - used);

        v.vfree(cpu, p);
        assertThat(v.busyAreas()).isEmpty();
        assertThat(v.purgeAreas()).hasSize(2);
        assertThat(m.nrFreePages()).isEqualTo(free - used);
    }

    // ---- threads --------------------------------------------------------------------------------

    @Test
    void twoCpusAllocatingAndFreeingAtOnceNeverShareAnAddress() throws Exception {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        long free = m.nrFreePages();
        long tables = m.mmu().kernelTables().tablePages();
        java.util.concurrent.ConcurrentHashMap<Long, Integer> owner = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CyclicBarrier go = new java.util.concurrent.CyclicBarrier(2);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int id = 0; id < 2; id++) {
            Cpu cpu = m.mmu().cpu(id);
            int me = id;
            threads.add(new Thread(() -> {
                try {
                    go.await();
                    java.util.ArrayDeque<Long> mine = new java.util.ArrayDeque<>();
                    for (int i = 0; i < 400; i++) {
                        long p = v.vmalloc(cpu, (1 + i % 5) * PAGE, "cpu" + me);
                        if (owner.putIfAbsent(p, me) != null) {
                            throw new AssertionError(String.format("%#x handed out twice", p));
                        }
                        cpu.store32(p, me);
                        mine.add(p);
                        if (mine.size() > 8) {
                            long q = mine.poll();
                            if (cpu.load32(q) != me) {
                                throw new AssertionError(String.format("%#x was overwritten", q));
                            }
                            owner.remove(q);
                            v.vfree(cpu, q);
                        }
                    }
                    for (long q : mine) {
                        owner.remove(q);
                        v.vfree(cpu, q);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        v.purgeVmapAreaLazy(m.mmu().cpu(0));
        assertThat(v.busyAreas()).isEmpty();
        assertThat(v.freeRanges()).hasSize(1);
        assertThat(m.nrFreePages()).isEqualTo(free - (m.mmu().kernelTables().tablePages() - tables));
    }
}
