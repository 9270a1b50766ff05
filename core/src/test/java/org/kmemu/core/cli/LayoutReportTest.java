package org.kmemu.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class LayoutReportTest {

    @Test
    void printsTheI386StyleTableWithAlignedColumns() {
        Machine m = TestMachines.i386(3L << 30);
        List<String> lines = LayoutReport.lines(m);
        assertThat(lines.get(0)).startsWith("virtual kernel memory layout (");
        // "    pkmap   : 0xff800000 - 0xffc00000   (4096 kB)" as arch/x86/mm/init_32.c printed it.
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("    pkmap +: 0x[0-9a-f]{8} - 0x[0-9a-f]{8}   \\(4096 kB\\)"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("      \\.text +: 0xc1000000 - 0x[0-9a-f]{8}   \\( +\\d+ (kB|MB)\\)"));
        int colon = lines.get(1).indexOf(": 0x");
        for (String l : lines.subList(1, lines.size() - 2)) {
            assertThat(l.indexOf(": 0x")).as(l).isEqualTo(colon);
        }
    }

    @Test
    void sizesUseTheLargestUnitBelowTenThousand() {
        assertThat(LayoutReport.size(4L << 20)).isEqualTo("4096 kB");
        assertThat(LayoutReport.size(120L << 20)).isEqualTo(" 120 MB");
        assertThat(LayoutReport.size(32L << 40)).isEqualTo("  32 TB");
        assertThat(LayoutReport.hex(0xc0000000L, 8)).isEqualTo("0xc0000000");
        assertThat(LayoutReport.hex(0xffff888000000000L, 16)).isEqualTo("0xffff888000000000");
    }
}
