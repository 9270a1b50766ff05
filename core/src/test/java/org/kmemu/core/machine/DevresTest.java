package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.proc.ProcFs;
import org.kmemu.core.trace.KmemMetrics;

/**
 * A device's managed resources on the stand-in machines: devm_kmalloc's header in front of the data,
 * devm_request_mem_region's claims, and devres_release_all giving everything back newest first.
 */
class DevresTest {
    private static final long BASE = IoRegionsTest.BASE;

    private static Machine boot(String name) {
        return IoRegionsTest.boot(name);
    }

    private static List<String> lines(Machine m) {
        return IoRegionsTest.lines(m);
    }

    private static int readInt(Machine m, long vaddr) {
        return m.memory().readInt(m.kernel().addresses().pa(vaddr));
    }

    /** kmallocs {@code size} bytes, fills the object with 0xff and frees it: the next kmalloc of the size reuses it. */
    private static long dirtyAndFree(Machine m, Cpu cpu, long size) {
        long p = m.kernel().slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "dirty");
        for (long off = 0; off < size; off += 4) {
            m.memory().writeInt(m.kernel().addresses().pa(p + off), -1);
        }
        m.kernel().slab().kfree(cpu, p, "dirty");
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void devmKmallocAsksForTheHeaderAndTheDataAndUnbindFreesIt(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        Devres dev = Devres.of(m, "serial0");
        // struct devres_node is five pointer-sized words; data[] is 8-aligned: 40 bytes on 64-bit, 24 on 32-bit
        int header = arch.equals("x86_64") ? 40 : 24;
        assertThat(dev.headerBytes()).isEqualTo(header);

        // A freed object full of 0xff is the next one given: the header is zeroed, the data is not (devm_kmalloc)
        long stale = dirtyAndFree(m, cpu, header + 100);
        long buf = dev.devmKmalloc(cpu, 100, Gfp.GFP_KERNEL);
        assertThat(buf).as("the data follows the header in the same object").isEqualTo(stale + header);
        assertThat(m.kernel().slab().ksize(stale)).isGreaterThanOrEqualTo(header + 100);
        assertThat(readInt(m, stale)).as("header zeroed").isZero();
        assertThat(readInt(m, stale + header - 4)).isZero();
        assertThat(readInt(m, buf)).as("data as it was").isEqualTo(-1);
        // ... and devm_kzalloc zeroes the data too
        long stale2 = dirtyAndFree(m, cpu, header + 64);
        long zeroed = dev.devmKzalloc(cpu, 64, Gfp.GFP_KERNEL);
        assertThat(zeroed).isEqualTo(stale2 + header);
        for (long off = 0; off < 64; off += 4) {
            assertThat(readInt(m, zeroed + off)).isZero();
        }
        assertThat(metrics.snapshot().callSite("devm_kmalloc").bytesReq()).isEqualTo(header + 100 + header + 64);
        assertThat(dev.devmKmalloc(cpu, 0, Gfp.GFP_KERNEL)).as("0 bytes").isEqualTo(SlabLayer.ZERO_SIZE_PTR);
        assertThat(dev.nodes()).hasSize(2);

        assertThat(dev.releaseAll(cpu)).isEqualTo(2);
        assertThat(metrics.snapshot().kfrees()).as("both objects went back (and the two dirtied ones)").isEqualTo(4);
        assertThat(dev.nodes()).isEmpty();
        assertThat(dev.releaseAll(cpu)).as("nothing left to release").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aManagedClaimIsReleasedAtUnbindAndABusyOneAddsNothing(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        Devres dev = Devres.of(m, "serial0");
        Devres other = Devres.of(m, "serial1");
        assertThat(dev.devmRequestMemRegion(cpu, BASE, 0x100, "serial")).isNotNull();
        assertThat(other.devmRequestMemRegion(cpu, BASE + 0x10, 8, "serial1")).as("busy").isNull();
        assertThat(other.nodes()).as("a refused claim leaves no node").isEmpty();
        assertThat(lines(m)).contains("serial1: resource collision: [mem 0xfed00010-0xfed00017] conflicts with serial"
                + " [mem 0xfed00000-0xfed000ff]");
        assertThat(new ProcFs(m).read("iomem")).contains("  fed00000-fed000ff : serial\n");

        dev.releaseAll(cpu);
        assertThat(new ProcFs(m).read("iomem")).doesNotContain(": serial\n");
        assertThat(other.devmRequestMemRegion(cpu, BASE + 0x10, 8, "serial1")).as("free again").isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void releaseAllRunsNewestFirst(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(1);
        Devres dev = Devres.of(m, "fb0");
        List<String> order = new ArrayList<>();
        assertThat(dev.devmAddAction(cpu, "first", c -> order.add("first on " + c.id()))).isZero();
        assertThat(dev.devmRequestMemRegion(cpu, BASE, 0x1000, "fb")).isNotNull();
        assertThat(dev.devmAddAction(cpu, "last", c -> order.add("last on " + c.id()))).isZero();
        assertThat(dev.nodes()).containsExactly("action first", "mem_region fb", "action last");
        dev.releaseAll(cpu);
        assertThat(order).containsExactly("last on 1", "first on 1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void eachNodeIsAKmallocOfTheHeaderAndItsDataFreedWithIt(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        KmemMetrics metrics = new KmemMetrics(m.cpus());
        m.kernel().tracepoints().attach(metrics);
        Devres dev = Devres.of(m, "serial0");
        int word = arch.equals("x86_64") ? 8 : 4;
        assertThat(dev.devmRequestMemRegion(cpu, BASE, 0x100, "serial")).isNotNull();
        assertThat(dev.devmAddAction(cpu, "clock off", c -> { })).isZero();
        // struct region_devres: parent, start, n; struct action_devres: data, action
        assertThat(metrics.snapshot().callSite("devres_alloc").bytesReq())
                .isEqualTo(dev.headerBytes() + 3L * word + dev.headerBytes() + 2L * word);
        assertThat(Devres.of(m, "serial1").devmRequestMemRegion(cpu, BASE, 8, "busy")).isNull();
        long before = metrics.snapshot().kfrees();
        assertThat(metrics.snapshot().callSite("devres_alloc").kmallocs()).as("the refused claim's node too").isEqualTo(3);
        dev.releaseAll(cpu);
        assertThat(metrics.snapshot().kfrees() - before).as("both nodes freed at unbind").isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void devmIoremapIsUnmappedAtUnbind(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        Devres dev = Devres.of(m, "serial0");
        long regs = dev.devmIoremap(cpu, BASE, 0x1000);
        long wc = dev.devmIoremapWc(cpu, BASE, 0x1000);
        assertThat(regs).isNotZero();
        assertThat(wc).isNotZero().isNotEqualTo(regs);
        assertThat(new ProcFs(m).read("vmallocinfo")).contains("devm_ioremap", "devm_ioremap_wc");
        dev.devmIounmap(cpu, wc);
        assertThat(new ProcFs(m).read("vmallocinfo")).doesNotContain("devm_ioremap_wc");
        dev.releaseAll(cpu);
        assertThat(new ProcFs(m).read("vmallocinfo")).doesNotContain("devm_ioremap");
        assertThat(m.kernel().vmalloc().findVmArea(regs)).isNull();
        dev.devmIounmap(cpu, regs);
        assertThat(lines(m)).contains("WARNING: CPU: 0 PID: 0 at lib/devres.c devm_iounmap");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void freeingWhatTheListDoesNotHoldWarns(String arch) {
        Machine m = boot(arch);
        Cpu cpu = m.mmu().cpu(0);
        Devres dev = Devres.of(m, "serial0");
        long p = m.kernel().slab().kmalloc(cpu, 32, Gfp.GFP_KERNEL, "plain");
        dev.devmKfree(cpu, p);
        assertThat(lines(m)).contains("WARNING: CPU: 0 PID: 0 at drivers/base/devres.c devm_kfree");
        dev.devmKfree(cpu, 0);
        dev.devmKfree(cpu, SlabLayer.ZERO_SIZE_PTR);
        assertThat(lines(m).stream().filter(l -> l.contains("devm_kfree"))).as("NULL and ZERO_SIZE_PTR are silent").hasSize(1);

        long d = dev.devmKmalloc(cpu, 16, Gfp.GFP_KERNEL);
        dev.devmKfree(cpu, d);
        assertThat(dev.nodes()).as("devm_kfree drops the node").isEmpty();

        assertThat(m.ioRegions().requestMemRegion(BASE, 8, "unmanaged")).isNotNull();
        dev.devmReleaseMemRegion(cpu, BASE, 8);
        assertThat(lines(m)).contains("WARNING: CPU: 0 PID: 0 at kernel/resource.c __devm_release_region");
        assertThat(new ProcFs(m).read("iomem")).as("released anyway, as the kernel does").doesNotContain("unmanaged");
    }
}
