package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.machine.Resource;
import org.kmemu.core.testing.TestMachines;

class IoMemTest {
    static final String LINE = "( {2})*[0-9a-f]{8,}-[0-9a-f]{8,} : .+";

    @Test
    void x86_64MachineShowsTheE820MapWithTheKernelInsideSystemRam() {
        Machine m = TestMachines.x86_64(4L << 30);
        assertThat(IoMem.render(m)).isEqualTo("""
                00000000-00000fff : Reserved
                00001000-0009fbff : System RAM
                0009fc00-000fffff : Reserved
                00100000-bfffffff : System RAM
                  01000000-01ffffff : Kernel code
                  02000000-025fffff : Kernel rodata
                  02600000-0287ffff : Kernel data
                  02a80000-02e7ffff : Kernel bss
                c0000000-ffffffff : PCI Bus 0000:00
                100000000-13fffffff : System RAM
                """);
        for (String line : ProcTestSupport.lines(IoMem.render(m))) {
            assertThat(line).matches(LINE);
        }
    }

    @Test
    void rendersTheRealSamplesTreeExactly() {
        assumeTrue(ProcTestSupport.haveSamples());
        Resource root = new Resource("iomem", 0, -1L);
        // Parents first, so that request() nests each child in the deepest resource that holds it.
        for (String line : ProcTestSupport.sample("iomem.txt")) {
            assertThat(line).matches(LINE);
            String range = line.trim().substring(0, line.trim().indexOf(" : "));
            String name = line.substring(line.indexOf(" : ") + 3);
            String[] ends = range.split("-");
            assertThat(root.request(new Resource(name, Long.parseUnsignedLong(ends[0], 16),
                    Long.parseUnsignedLong(ends[1], 16)))).as(line).isNull();
        }
        assertThat(ProcTestSupport.lines(IoMem.render(root))).isEqualTo(ProcTestSupport.sample("iomem.txt"));
    }

    @Test
    void indentStopsGrowingAtMaxIoresLevel() {
        Resource root = new Resource("iomem", 0, -1L);
        for (int depth = 0; depth < 7; depth++) {
            root.request(new Resource("level " + depth, depth, 100 - depth));
        }
        List<String> lines = ProcTestSupport.lines(IoMem.render(root));
        assertThat(lines.get(0)).isEqualTo("00000000-00000064 : level 0");
        assertThat(lines.get(5)).isEqualTo("          00000005-0000005f : level 5");
        assertThat(lines.get(6)).isEqualTo("          00000006-0000005e : level 6");
    }
}
