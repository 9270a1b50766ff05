package org.kmemu.bench;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.kmemu.alloc.buddy.BuddyPolicy;
import org.kmemu.alloc.slab.SlabPolicy;
import org.kmemu.alloc.slob.SlobPolicy;
import org.kmemu.alloc.slub.SlubPolicy;
import org.kmemu.api.Architecture;
import org.kmemu.api.Gfp;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.PteFlags;
import org.kmemu.arch.booke.BookeArchitecture;
import org.kmemu.arch.i386.I386Architecture;
import org.kmemu.arch.x86_64.X86_64Architecture;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Memory access through the MMU on each architecture: a 64-bit load that hits the TLB (target under
 * 5 ns; QEMU's softmmu fast path is the model), a load whose TLB entry was just flushed so that it
 * walks the page tables (x86: hardware walk; e500: the software refill), and a 4 KiB kernel-to-kernel
 * copy through the MMU next to {@code System.arraycopy} of 4 KiB between Java arrays, the limit
 * (target: at least half its bandwidth). The walked page is a 4 KiB vmalloc-area mapping on every
 * architecture, so each walk goes down to the PTE level.
 */
@State(Scope.Thread)
public class MmuBench extends BenchBase {

    /** The architecture. */
    @Param({"x86_64", "i386", "booke"})
    public String arch;

    private Cpu cpu;
    private long lowmem;
    private long walked;
    private long src;
    private long dst;
    private final byte[] arraySrc = new byte[4096];
    private final byte[] arrayDst = new byte[4096];

    /** Boots a 1 GiB machine and maps one vmalloc page. */
    @Setup
    public void setUp() {
        Machine m = boot(arch);
        cpu = m.mmu().cpu(0);
        lowmem = m.layout().va(page(m));
        walked = m.layout().vmallocStart() + 0x10000;
        m.mmu().kernelTables().mapPage(cpu, walked, page(m), PteFlags.WRITE | PteFlags.GLOBAL);
        src = m.layout().va(page(m));
        dst = m.layout().va(page(m));
        cpu.store64(src, 1);
        cpu.store64(dst, 1);
        cpu.store64(walked, 1);
    }

    /** @return the physical address of a fresh lowmem page from the page allocator */
    private static long page(Machine m) {
        return m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0) << m.pageShift();
    }

    static Machine boot(String id) {
        return boot(id, "slub");
    }

    /**
     * @param id     the architecture
     * @param policy the object-allocator policy: slub, slab or slob
     * @return a booted 1 GiB machine (2 GiB on i386, for highmem) with the buddy allocator
     */
    static Machine boot(String id, String policy) {
        return boot(id, policy, id.equals("i386") ? "2G" : "1G");
    }

    /**
     * @param id     the architecture
     * @param policy the object-allocator policy: slub, slab or slob
     * @param size   {@code kmemu.memory.size}
     * @return a booted machine of that size with the buddy allocator
     */
    static Machine boot(String id, String policy, String size) {
        return boot(id, policy, size, Map.of());
    }

    /**
     * @param id     the architecture
     * @param policy the object-allocator policy
     * @param size   {@code kmemu.memory.size}
     * @param extra  more config overrides (key to value)
     * @return a booted machine
     */
    static Machine boot(String id, String policy, String size, Map<String, String> extra) {
        Architecture a = switch (id) {
            case "x86_64" -> new X86_64Architecture();
            case "i386" -> new I386Architecture();
            default -> new BookeArchitecture();
        };
        Map<String, String> overrides = new java.util.HashMap<>(extra);
        overrides.putAll(Map.of("kmemu.memory.size", size, "kmemu.machine.arch", id, "kmemu.machine.object-allocator", policy));
        ResolvedConfig c = ConfigLoader.user(null, overrides)
                .resolve(List.of(ConfigFactory.parseResources(MmuBench.class.getClassLoader(), "reference.conf")));
        return Boot.boot(MachineConfig.parse(c), a.configure(c.view("kmemu.arch." + id)), new BuddyPolicy(),
                c.view("kmemu.page-allocator.buddy"), objectPolicy(policy), c.view("kmemu.object-allocator." + policy));
    }

    private static ObjectAllocatorPolicy objectPolicy(String id) {
        return switch (id) {
            case "slab" -> new SlabPolicy();
            case "slob" -> new SlobPolicy();
            default -> new SlubPolicy();
        };
    }

    /** @return the value, so the JIT keeps the load */
    @Benchmark
    public long tlbHitLoad64() {
        return cpu.load64(lowmem);
    }

    /** @return the value: the limit for a load, 8 bytes from a Java array through a VarHandle view */
    @Benchmark
    public long arrayLoad64() {
        return (long) LONGS.get(arraySrc, 64);
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** @return the value */
    @Benchmark
    public long tlbMissWalkLoad64() {
        cpu.localFlushTlbPage(walked);
        return cpu.load64(walked);
    }

    /** A 4 KiB memcpy between two direct-mapped pages through the MMU. */
    @Benchmark
    public void copy4kThroughMmu() {
        cpu.copy(dst, src, 4096);
    }

    /** The limit: 4 KiB between two Java arrays. */
    @Benchmark
    public void copy4kArraycopy() {
        System.arraycopy(arraySrc, 0, arrayDst, 0, 4096);
    }
}
