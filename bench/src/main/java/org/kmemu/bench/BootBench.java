package org.kmemu.bench;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.kmemu.alloc.buddy.BuddyPolicy;
import org.kmemu.alloc.slub.SlubPolicy;
import org.kmemu.api.ArchSpec;
import org.kmemu.arch.x86_64.X86_64Architecture;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.MachineConfig;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFrames;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Boots a whole x86_64 machine with the buddy allocator: memory map, memblock, page frames, zones,
 * and every free page handed to the allocator. Target: a 64 GiB machine in under 2 s; struct page at
 * most 24 bytes per 4 KiB frame with every frame in use. One boot per invocation (single-shot), in a heap of the
 * JVM's default size, as {@code ./kmemu} runs it. {@link #main} also prints the metadata per frame.
 */
@State(Scope.Benchmark)
@Fork(value = 1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BootBench {

    /** RAM of the machine. */
    @Param({"4G", "64G"})
    public String ram;

    private MachineConfig config;
    private ArchSpec arch;
    private ResolvedConfig resolved;

    /** Reads the shipped defaults once; only boot is measured. */
    @Setup
    public void setUp() {
        resolved = resolve(ram);
        config = MachineConfig.parse(resolved);
        arch = new X86_64Architecture().configure(resolved.view("kmemu.arch.x86_64"));
    }

    static ResolvedConfig resolve(String ram) {
        return ConfigLoader.user(null, Map.of("kmemu.memory.size", ram, "kmemu.machine.arch", "x86_64"))
                .resolve(List.of(ConfigFactory.parseResources(BootBench.class.getClassLoader(), "reference.conf")));
    }

    /** @return the booted machine, so the JIT cannot drop the work */
    @Benchmark
    public Machine boot() {
        return Boot.boot(config, arch, new BuddyPolicy(), resolved.view("kmemu.page-allocator.buddy"),
                new SlubPolicy(), resolved.view("kmemu.object-allocator.slub"));
    }

    /**
     * Boots one machine of the given size and prints its boot time and heap use per frame, e.g.
     * {@code java -cp bench/target/benchmarks.jar org.kmemu.bench.BootBench 1T}. With a second argument
     * {@code full} it then makes the lazy struct page fields of every section (as a machine that has
     * handed out a page in each 128 MiB would) and prints the heap per frame again: the full struct page.
     *
     * @param args the RAM size, default 64G; optionally {@code full}
     */
    public static void main(String[] args) {
        String size = args.length > 0 ? args[0] : "64G";
        ResolvedConfig c = resolve(size);
        MachineConfig mc = MachineConfig.parse(c);
        ArchSpec spec = new X86_64Architecture().configure(c.view("kmemu.arch.x86_64"));
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        long t0 = System.nanoTime();
        Machine m = Boot.boot(mc, spec, new BuddyPolicy(), c.view("kmemu.page-allocator.buddy"),
                new SlubPolicy(), c.view("kmemu.object-allocator.slub"));
        long t1 = System.nanoTime();
        System.gc();
        long after = rt.totalMemory() - rt.freeMemory();
        long frames = m.layout().maxPfn();
        System.out.printf("%s: booted in %d ms; %d frames; heap %.1f MiB = %.2f bytes per frame (max heap %d MiB)%n",
                size, (t1 - t0) / 1_000_000, frames, (after - before) / 1048576.0, (double) (after - before) / frames,
                rt.maxMemory() >> 20);
        System.out.println(m.log().texts().get(m.log().texts().size() - 1));
        PageFrames f = m.pageFrames();
        System.out.printf("%s: per-frame arrays (PageFrames + page allocator) %.2f bytes per frame%n", size,
                (double) m.pageMetadataBytes() / f.presentFrames());
        if (args.length > 1 && "full".equals(args[1])) {
            f.populateAll();
            System.gc();
            long full = rt.totalMemory() - rt.freeMemory();
            System.out.printf("%s: every section full (%d): heap %.1f MiB = %.2f bytes per frame; per-frame arrays %.2f bytes per frame%n",
                    size, f.fullSections(), (full - before) / 1048576.0, (double) (full - before) / frames,
                    (double) m.pageMetadataBytes() / f.presentFrames());
        }
    }
}
