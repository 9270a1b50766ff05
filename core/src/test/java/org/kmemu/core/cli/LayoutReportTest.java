package org.kmemu.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

class LayoutReportTest {

    @Test
    void printsTheI386StyleTableWithAlignedColumns() {
        Machine m = TestMachines.i386(3L << 30);
        List<String> lines = LayoutReport.lines(m);
        assertThat(lines.get(0)).startsWith("virtual kernel memory layout (");
        // "    pkmap   : 0xff800000 - 0xffc00000   (4096 kB)" as arch/x86/mm/init_32.c printed it.
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("    pkmap +: 0x[0-9a-f]{8} - 0x[0-9a-f]{8}   \\(4096 kB\\)(  \\[.*\\])?"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("      \\.text +: 0xc1000000 - 0x[0-9a-f]{8}   \\( +\\d+ (kB|MB)\\)"));
        int colon = lines.get(1).indexOf(": 0x");
        for (String l : lines.subList(1, lines.size() - 2)) {
            assertThat(l.indexOf(": 0x")).as(l).isEqualTo(colon);
        }
    }

    @Test
    void marksWhatBootMappedAndWhereItOnlyMadeTables() {
        List<String> lines = LayoutReport.lines(TestMachines.i386(2L << 30));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("    lowmem").endsWith("[mapped: direct map]"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("    pkmap").endsWith("[tables: pkmap]"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("    vmalloc").endsWith(")"));
    }

    @Test
    void translateShowsTheWalkAndTheMmusAnswer() {
        Machine m = TestMachines.i386(2L << 30);
        List<String> ok = TranslateReport.lines(m, 0xc0801000L, org.kmemu.api.Access.READ, false);
        assertThat(ok.get(0)).isEqualTo("0xc0801000: i386 read access in kernel mode, kernel page tables at phys "
                + String.format("%#x", m.mmu().cpu(0).root()) + " (2 levels, 4-byte entries)");
        assertThat(ok.get(1)).matches("  PGD\\[ 770\\] @ phys 0x[0-9a-f]{10} = [0-9a-f]{8}  .*HUGE.*");
        assertThat(ok.get(ok.size() - 2)).startsWith("  => 4 MiB page at phys 0x800000, offset 0x1000: phys 0x801000");
        assertThat(ok.get(ok.size() - 1)).isEqualTo("MMU: 0xc0801000 -> phys 0x801000");
        assertThat(TranslateReport.translates(m, 0xc0801000L, org.kmemu.api.Access.READ, false)).isTrue();
        List<String> user = TranslateReport.lines(m, 0xc0100000L, org.kmemu.api.Access.READ, true);
        assertThat(user).contains("#PF: user read access in user mode");
        assertThat(TranslateReport.translates(m, 0xc0100000L, org.kmemu.api.Access.READ, true)).isFalse();
        List<String> hole = TranslateReport.lines(m, m.layout().vmallocStart(), org.kmemu.api.Access.WRITE, false);
        assertThat(hole).anySatisfy(l -> assertThat(l).contains("not mapped"));
        assertThat(hole.get(hole.size() - 1)).isEqualTo("#PF: not-present page");
    }

    @Test
    void translateShowsThePinnedEntryWhereTheCpuWouldNotWalk() {
        Machine m = TestMachines.boot(new I386TestArch(true), 2L << 30, 1);
        List<String> ok = TranslateReport.lines(m, 0xd0000010L, org.kmemu.api.Access.READ, false);
        assertThat(ok.get(1)).isEqualTo("  pinned entry 1: virt 0xd0000000 -> phys 0x10000000, 262144 KiB");
        assertThat(ok.get(2)).isEqualTo("  => pinned translation, offset 0x10: phys 0x10000010 (the tables are not walked)");
        assertThat(ok).noneMatch(l -> l.contains("PGD["));
        assertThat(ok.get(ok.size() - 1)).isEqualTo("MMU: 0xd0000010 -> phys 0x10000010");
        List<String> vmalloc = TranslateReport.lines(m, m.layout().vmallocStart(), org.kmemu.api.Access.READ, false);
        assertThat(vmalloc).as("no pinned entry there: the software miss handler walks").anyMatch(l -> l.contains("PGD["));
        assertThat(LayoutReport.lines(m)).anySatisfy(l -> assertThat(l).startsWith("    lowmem")
                .endsWith("[mapped: direct map]  [pinned in the TLB: direct map]"));
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
