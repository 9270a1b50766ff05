package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PerCpuAccessException;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

/** The ownership rule of the per-CPU debug check, on a booted machine and on its own. */
class CpuOwnersTest {
    private final Machine m = TestMachines.i386(1L << 30);
    private final CpuOwners owners = m.mmu().owners();
    /** A live thread that owns CPU 1 until the test lets it go. */
    private Thread holder;
    private final CountDownLatch letGo = new CountDownLatch(1);

    @AfterEach
    void endHolder() throws InterruptedException {
        letGo.countDown();
        if (holder != null) {
            holder.join();
        }
    }

    /** Starts a thread that runs as CPU 1 (a load through its MMU), then waits until the test ends. */
    private void holdCpu1() throws InterruptedException {
        CountDownLatch owned = new CountDownLatch(1);
        long v = m.layout().va(1L << 20);
        holder = new Thread(() -> {
            m.mmu().cpu(1).load64(v);
            owned.countDown();
            try {
                letGo.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cpu1-holder");
        holder.start();
        owned.await();
    }

    @Test
    void theBuildTurnsTheChecksOnForTests() {
        assertThat(PerCpuOwnership.CHECKS).as("-D" + PerCpuOwnership.PROPERTY + "=true from the parent pom").isTrue();
    }

    @Test
    void bootOwnsNoCpuAndTheFirstToucherDoes() {
        assertThat(owners.scheduling()).isTrue();
        assertThat(owners.owner(0)).as("boot ran on this thread but left CPU 0 free").isNull();
        assertThat(owners.owner(1)).isNull();
        m.mmu().cpu(0).load64(m.layout().va(1L << 20));
        assertThat(owners.owner(0)).isSameAs(Thread.currentThread());
        assertThat(owners.owner(1)).isNull();
    }

    @Test
    void anotherLiveThreadTouchingTheCpuIsReportedAsTheKernelWould() throws InterruptedException {
        holdCpu1();
        Cpu cpu1 = m.mmu().cpu(1);
        long v = m.layout().va(1L << 20);
        String me = Thread.currentThread().getName() + "/" + threadId(Thread.currentThread());
        String holderTask = "cpu1-holder/" + threadId(holder);
        assertThatThrownBy(() -> cpu1.load64(v)).isInstanceOf(PerCpuAccessException.class).satisfies(e -> {
            assertThat(((PerCpuAccessException) e).report()).containsExactly(
                    "BUG: using tlb_lookup() on CPU 1's TLB from a thread that is not CPU 1's: " + me,
                    "CPU 1 belongs to " + holderTask + ", which is still running");
        });
        assertThat(m.log().texts()).contains("BUG: using tlb_lookup() on CPU 1's TLB from a thread that is not CPU 1's: " + me);
        assertThatThrownBy(cpu1::preemptDisable).isInstanceOf(PerCpuAccessException.class)
                .hasMessageStartingWith("BUG: using preempt_disable() on CPU 1's preempt count");
        assertThat(cpu1.preemptCount()).as("nothing changed").isZero();
    }

    @Test
    void kmapLocalSlotsBelongToTheirCpu() throws InterruptedException {
        holdCpu1();
        Highmem hm = m.kernel().highmem();
        long pfn = m.kernel().pages().allocPages(m.mmu().cpu(0), Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isGreaterThanOrEqualTo(m.layout().maxLowPfn());
        assertThatThrownBy(() -> hm.kmapLocal(m.mmu().cpu(1), pfn)).isInstanceOf(PerCpuAccessException.class)
                .hasMessageStartingWith("BUG: using kmap_local_page() on CPU 1's kmap_local slots");
        assertThat(hm.kmapLocalDepth(m.mmu().cpu(1))).isZero();
        long v = hm.kmapLocal(m.mmu().cpu(0), pfn);
        hm.kunmapLocal(m.mmu().cpu(0), v);
        m.kernel().pages().freePages(m.mmu().cpu(0), pfn, 0);
    }

    @Test
    void anEndedOwnersCpuIsTakenOver() throws InterruptedException {
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                m.mmu().cpu(1).load64(m.layout().va(1L << 20));
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        worker.start();
        worker.join();
        assertThat(failed.get()).isNull();
        assertThat(owners.owner(1)).isSameAs(worker);
        m.mmu().cpu(1).load64(m.layout().va(1L << 20));
        assertThat(owners.owner(1)).isSameAs(Thread.currentThread());
    }

    @Test
    void releaseHandsACpuToAnotherLiveThread() throws InterruptedException {
        m.mmu().cpu(1).load64(m.layout().va(1L << 20));
        owners.release(1);
        assertThat(owners.owner(1)).isNull();
        holdCpu1();
        assertThat(owners.owner(1)).isSameAs(holder);
        assertThatThrownBy(() -> owners.release(1)).as("only the owner may release").isInstanceOf(PerCpuAccessException.class);
    }

    @Test
    void checkQuiescentClaimsNothingAndRefusesALiveOwner() throws InterruptedException {
        owners.checkQuiescent(0, "drain_pages", "per_cpu_pages");
        assertThat(owners.owner(0)).isNull();
        holdCpu1();
        assertThatThrownBy(() -> owners.checkQuiescent(1, "drain_pages", "per_cpu_pages"))
                .isInstanceOf(PerCpuAccessException.class)
                .hasMessageStartingWith("BUG: using drain_pages() on CPU 1's per_cpu_pages from a thread that is not CPU 1's");
    }

    @Test
    void beforeSchedulingNothingIsOwnedOrChecked() throws InterruptedException {
        CpuOwners early = new CpuOwners(2, m.log());
        early.check(0, "boot", "per_cpu_pages");
        assertThat(early.owner(0)).isNull();
        early.startScheduling();
        early.check(0, "rmqueue_pcplist", "per_cpu_pages");
        assertThat(early.owner(0)).isSameAs(Thread.currentThread());
        early.releaseAll();
        assertThat(early.owner(0)).isNull();
    }

    @SuppressWarnings("deprecation")
    private static long threadId(Thread t) {
        return t.getId();
    }
}
