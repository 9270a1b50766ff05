package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

/** kmap, kmap_local and kmap_atomic on the core's i386-like machine (LAST_PKMAP 1024). */
class HighmemTest {
    private final Machine m = TestMachines.i386(2L << 30);
    private final KernelLayout l = m.layout();
    private final Highmem hm = KernelServices.highmem(m);
    private final Cpu cpu0 = m.mmu().cpu(0);
    private final Cpu cpu1 = m.mmu().cpu(1);

    private long highPage() {
        long pfn = m.pageAllocator().allocPages(0, Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isGreaterThanOrEqualTo(l.maxLowPfn());
        return pfn;
    }

    @Test
    void lowmemPagesAreTheirPageAddress() {
        long low = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0);
        assertThat(hm.kmap(cpu0, low)).isEqualTo(l.va(low << 12)).isEqualTo(hm.pageAddress(low));
        assertThat(hm.kmapLocal(cpu0, low)).isEqualTo(l.va(low << 12));
        assertThat(hm.kmapLocalDepth(cpu0)).isZero();
    }

    @Test
    void aHighmemPageHasNoAddressUntilKmappedAndItsDataIsSeenThroughEveryMapping() {
        long pfn = highPage();
        assertThat(hm.pageAddress(pfn)).as("no permanent address").isZero();
        long v = hm.kmap(cpu0, pfn);
        assertThat(Long.compareUnsigned(v, l.pkmapBase())).isGreaterThanOrEqualTo(0);
        assertThat(Long.compareUnsigned(v, l.pkmapBase() + (1024L << 12))).isNegative();
        assertThat(hm.pageAddress(pfn)).isEqualTo(v);
        cpu0.store64(v + 40, 0x5eedL);
        long local = hm.kmapLocal(cpu1, pfn);
        assertThat(local).isNotEqualTo(v);
        assertThat(cpu1.load64(local + 40)).as("read back through a kmap_local of the same page").isEqualTo(0x5eedL);
        assertThat(hm.pageAddress(pfn)).as("kmap_local addresses are not recorded").isEqualTo(v);
        hm.kunmapLocal(cpu1, local);
        assertThat(m.memory().readLong((pfn << 12) + 40)).isEqualTo(0x5eedL);
        hm.kunmap(cpu0, pfn);
    }

    @Test
    void countsFollowPkmapCountAndAnUnbalancedKunmapIsABug() {
        long pfn = highPage();
        long v = hm.kmap(cpu0, pfn);
        int nr = (int) ((v - l.pkmapBase()) >>> 12);
        assertThat(hm.pkmapCount(nr)).isEqualTo(2);
        assertThat(hm.kmap(cpu1, pfn)).isEqualTo(v);
        assertThat(hm.pkmapCount(nr)).isEqualTo(3);
        hm.kunmap(cpu1, pfn);
        hm.kunmap(cpu0, pfn);
        assertThat(hm.pkmapCount(nr)).as("unused but still mapped").isEqualTo(1);
        assertThat(hm.pageAddress(pfn)).isEqualTo(v);
        assertThatThrownBy(() -> hm.kunmap(cpu0, pfn)).isInstanceOf(KernelBugException.class).hasMessageContaining("unbalanced kunmap");
    }

    @Test
    void wrappingFlushesTheUnusedSlotsOnce() {
        List<Long> pages = new ArrayList<>();
        // The scan starts after last_pkmap_nr = 0: slots 1..1023 first, and the 1024th kmap wraps.
        for (int i = 0; i < 1023; i++) {
            long pfn = highPage();
            pages.add(pfn);
            hm.kmap(cpu0, pfn);
            hm.kunmap(cpu0, pfn);
        }
        assertThat(hm.pkmapFlushes()).as("no wrap yet").isEqualTo(0);
        long first = pages.get(0);
        long stale = hm.pageAddress(first);
        assertThat(stale).isNotZero();
        long extra = highPage();
        hm.kmap(cpu0, extra);
        assertThat(hm.pkmapFlushes()).isEqualTo(1);
        assertThat(hm.pageAddress(first)).as("flush_all_zero_pkmaps forgot it").isZero();
        assertThatThrownBy(() -> cpu1.load64(stale)).as("and every CPU's TLB dropped it")
                .isInstanceOf(org.kmemu.core.mmu.PageFaultException.class);
    }

    @Test
    void whenEverySlotIsInUseKmapWaitsForAKunmapOnAnotherCpu() throws Exception {
        List<Long> held = new ArrayList<>();
        // Slot 0 is only reachable after a wrap: 1023 pages fill slots 1..1023, then the wrap frees nothing.
        for (int i = 0; i < 1023; i++) {
            long pfn = highPage();
            hm.kmap(cpu0, pfn);
            held.add(pfn);
        }
        long onlySlot0 = highPage();
        hm.kmap(cpu0, onlySlot0);
        held.add(onlySlot0);
        long waiter = highPage();
        CountDownLatch started = new CountDownLatch(1);
        AtomicLong got = new AtomicLong();
        Thread t = new Thread(() -> {
            started.countDown();
            got.set(hm.kmap(cpu1, waiter));
        });
        t.start();
        started.await();
        t.join(300);
        assertThat(t.isAlive()).as("kmap sleeps on pkmap_map_wait").isTrue();
        hm.kunmap(cpu0, held.get(5));
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).isFalse();
        assertThat(got.get()).isEqualTo(hm.pageAddress(waiter)).isNotZero();
    }

    @Test
    void kmapInAtomicContextIsReportedAndSleepingThereIsABug() {
        long pfn = highPage();
        cpu0.preemptDisable();
        long v = hm.kmap(cpu0, pfn);
        assertThat(v).isNotZero();
        assertThat(m.log().texts()).anySatisfy(line -> assertThat(line)
                .startsWith("BUG: sleeping function called from invalid context at"));
        assertThat(m.log().texts()).contains("in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/0");
        for (int i = 0; i < 1100; i++) {
            long p = highPage();
            try {
                hm.kmap(cpu0, p);
            } catch (KernelBugException e) {
                assertThat(e).hasMessageStartingWith("BUG: scheduling while atomic: swapper/0/0/0x00000001");
                cpu0.preemptEnable();
                return;
            }
        }
        throw new AssertionError("kmap never ran out of pkmap slots");
    }

    @Test
    void kmapAtomicNestsAsAStackWithPreemptionAndFaultsOff() {
        long a = highPage();
        long b = highPage();
        long va = hm.kmapAtomic(cpu0, a);
        long vb = hm.kmapAtomic(cpu0, b);
        assertThat(cpu0.preemptCount()).isEqualTo(2);
        assertThat(cpu0.pagefaultDisabled()).isEqualTo(2);
        assertThat(vb).as("the next slot is the next fixmap index, one page lower").isEqualTo(va - 4096);
        assertThat(hm.kmapLocalDepth(cpu0)).isEqualTo(2);
        cpu0.store32(vb, 1);
        hm.kunmapAtomic(cpu0, vb);
        hm.kunmapAtomic(cpu0, va);
        assertThat(cpu0.preemptCount()).isZero();
        assertThat(hm.kmapLocalDepth(cpu0)).isZero();
        assertThatThrownBy(() -> cpu0.load32(vb)).isInstanceOf(org.kmemu.core.mmu.PageFaultException.class);
    }

    @Test
    void unmappingOutOfOrderIsWarnedAndOverflowIsABug() {
        long va = hm.kmapLocal(cpu0, highPage());
        long vb = hm.kmapLocal(cpu0, highPage());
        hm.kunmapLocal(cpu0, va);
        assertThat(m.log().texts()).anySatisfy(line -> assertThat(line).startsWith("WARNING: CPU: 0 PID: 0 at mm/highmem.c kunmap_local_indexed"));
        assertThat(hm.kmapLocalDepth(cpu0)).isEqualTo(1);
        hm.kunmapLocal(cpu0, va);
        for (int i = 0; i < 16; i++) {
            hm.kmapLocal(cpu1, highPage());
        }
        assertThatThrownBy(() -> hm.kmapLocal(cpu1, highPage())).hasMessageContaining("more than KM_MAX_IDX=16");
        assertThat(vb).isNotZero();
    }
}
