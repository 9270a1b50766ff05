package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;

class VmallocInfoTest {
    private static final long PAGE = 4096;

    @Test
    void sixtyFourBitLinesFollowSShow() {
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        long a = v.vmalloc(cpu, 4 * PAGE, "kernel_clone+0xb8/0x400");
        long pfn = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 0);
        long b = v.vmap(cpu, new long[] {pfn, pfn, pfn, pfn}, 4, "irq_init_percpu_irqstack+0xed/0x120");
        long c = v.vzalloc(cpu, PAGE, null);
        v.vfree(cpu, c);
        assertThat(ProcTestSupport.lines(VmallocInfo.render(v))).containsExactly(
                "0xffffc90000000000-0xffffc90000005000   20480 kernel_clone+0xb8/0x400 pages=4 vmalloc N0=4",
                "0xffffc90000005000-0xffffc9000000a000   20480 irq_init_percpu_irqstack+0xed/0x120 vmap",
                "0xffffc9000000a000-0xffffc9000000c000    8192 unpurged vm_area");
        assertThat(a).isEqualTo(0xffffc90000000000L);
        assertThat(b).isEqualTo(0xffffc90000005000L);
        v.purgeVmapAreaLazy(cpu);
        assertThat(VmallocInfo.render(v)).doesNotContain("unpurged");
    }

    @Test
    void thirtyTwoBitAddressesHaveEightDigitsAndBigAreasShowVpages() {
        Machine m = TestMachines.i386(2L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        Cpu cpu = m.mmu().cpu(0);
        v.vmalloc(cpu, 1025 * PAGE, "alloc_large_system_hash+0x127/0x246");
        assertThat(ProcTestSupport.lines(VmallocInfo.render(v))).containsExactly(
                "0xf8800000-0xf8c02000 4202496 alloc_large_system_hash+0x127/0x246 pages=1025 vmalloc vpages N0=1025",
                "0xf8c02000-0xf8c05000   12288 alloc_large_system_hash+0x127/0x246 pages=2 vmalloc N0=2");
    }

    @Test
    void linesHaveTheLayoutOfTheRealSample() {
        if (!ProcTestSupport.haveSamples()) {
            return;
        }
        Pattern shape = Pattern.compile("0x[0-9a-f]{16}-0x[0-9a-f]{16} [ 0-9]{7,} \\S+( pages=\\d+)?( phys=0x[0-9a-f]+)?"
                + " (vmalloc|vmap|ioremap)( vpages)?( N0=\\d+)?");
        assertThat(ProcTestSupport.sample("vmallocinfo.txt")).allMatch(l -> shape.matcher(l).matches());
        Machine m = TestMachines.x86_64(4L << 30);
        Vmalloc v = KernelServices.vmalloc(m);
        v.vmalloc(m.mmu().cpu(0), 4 * PAGE, "kernel_clone+0xb8/0x400");
        assertThat(ProcTestSupport.lines(VmallocInfo.render(v))).allMatch(l -> shape.matcher(l).matches());
    }
}
