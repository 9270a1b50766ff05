package org.kmemu.alloc.slab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabCache;
import org.kmemu.tck.PerCpuRecorder;
import org.kmemu.tck.PerCpuRecorder.Call;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.SlabFixtures;

/** SLAB checks the CPU it is passed before alloc and free touch that CPU's array_cache. */
class PerCpuCheckTest {

    @Test
    void allocAndFreeCheckTheirCpuWhileDrainTakesEachArraysLockInstead() {
        SlabFixtures m = new SlabFixtures(PluginConfigs.of(SlabPolicy.class, "kmemu.object-allocator.slab"), 4,
                64L << 20, ByteOrder.LITTLE_ENDIAN, 64);
        PerCpuRecorder recorder = new PerCpuRecorder();
        SlabAllocatorImpl a = (SlabAllocatorImpl) new SlabPolicy().create(recorder.over(m));
        SlabCache c = a.createCache("t-100", 100, 0, 0, null);
        long p = a.alloc(2, c, Gfp.GFP_KERNEL);
        a.free(0, c, p);
        Thread me = Thread.currentThread();
        assertThat(recorder.calls()).containsExactly(
                new Call(false, 2, "____cache_alloc", "array_cache", me),
                new Call(false, 0, "__cache_free", "array_cache", me));
        recorder.clear();
        a.shrink(1, c);
        assertThat(recorder.calls()).as("do_drain locks each array: right from any thread").isEmpty();
        assertThat(m.pagesOut()).isZero();
    }
}
