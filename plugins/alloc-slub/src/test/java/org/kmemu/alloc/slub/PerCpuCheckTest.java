package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.tck.PerCpuRecorder;
import org.kmemu.tck.PerCpuRecorder.Call;

/** SLUB checks the CPU it is passed before its fast paths touch that CPU's kmem_cache_cpu. */
class PerCpuCheckTest {

    @Test
    void allocAndFreeCheckTheirCpuWhileShrinkTakesEachCpusLockInstead() {
        TestMachine m = new TestMachine(4);
        PerCpuRecorder recorder = new PerCpuRecorder();
        SlubAllocator s = (SlubAllocator) new SlubPolicy().create(recorder.over(m.fx));
        SlabCache c = s.createCache("t-64", 64, 0, 0, null);
        long p = s.alloc(1, c, Gfp.GFP_KERNEL);
        s.free(3, c, p);
        Thread me = Thread.currentThread();
        assertThat(recorder.calls()).containsExactly(
                new Call(false, 1, "slab_alloc_node", "kmem_cache_cpu", me),
                new Call(false, 3, "do_slab_free", "kmem_cache_cpu", me));
        recorder.clear();
        s.shrink(0, c);
        assertThat(recorder.calls()).as("flush_all locks each CPU slab: right from any thread").isEmpty();
        assertThat(m.pages.pagesOut()).isZero();
    }
}
