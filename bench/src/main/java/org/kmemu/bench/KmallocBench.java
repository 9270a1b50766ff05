package org.kmemu.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * kmalloc+kfree pairs at 8, 64, 512 and 4096 bytes (SLUB over the buddy allocator, i386 machine) next to
 * Netty's PooledByteBufAllocator and AdaptiveByteBufAllocator doing the same sizes (heap buffers,
 * allocate + release). Target: SLUB kmalloc+kfree of 64 bytes under 40 ns (Linux's fast path is about
 * 10 ns) and no slower than the Netty peers.
 */
@State(Scope.Thread)
public class KmallocBench extends BenchBase {

    /** The object-allocator policy behind kmalloc. */
    @Param({"slub", "slab", "slob"})
    public String policy;

    /** Object size for the kmalloc pairs. */
    @Param({"8", "64", "512", "4096"})
    public int size;

    private Cpu cpu;
    private SlabLayer slab;
    private PooledByteBufAllocator pooled;
    private AdaptiveByteBufAllocator adaptive;

    /** Boots a 2 GiB i386 machine with highmem. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot("i386", policy);
        cpu = m.mmu().cpu(0);
        slab = m.kernel().slab();
        pooled = new PooledByteBufAllocator(false);
        adaptive = new AdaptiveByteBufAllocator(false, false);
    }

    /** Drops Netty's pools. */
    @TearDown
    public void tearDown() {
        pooled.trimCurrentThreadCache();
    }

    /** @return the object */
    @Benchmark
    public long kmallocKfreePair() {
        long p = slab.kmalloc(cpu, size, Gfp.GFP_KERNEL, "bench");
        slab.kfree(cpu, p, "bench");
        return p;
    }

    /** @return the buffer's capacity */
    @Benchmark
    public int nettyPooledPair() {
        ByteBuf b = pooled.heapBuffer(size);
        int c = b.capacity();
        b.release();
        return c;
    }

    /** @return the buffer's capacity */
    @Benchmark
    public int nettyAdaptivePair() {
        ByteBuf b = adaptive.heapBuffer(size);
        int c = b.capacity();
        b.release();
        return c;
    }
}
