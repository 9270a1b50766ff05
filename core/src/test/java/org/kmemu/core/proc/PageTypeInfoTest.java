package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.MigrateType;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class PageTypeInfoTest {
    static final String FREE_HEADER = "Free pages count per migrate type at order       0      1      2      3      4"
            + "      5      6      7      8      9     10 ";
    static final String BLOCKS_HEADER = "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic"
            + "      Isolate ";
    static final Pattern FREE_ROW = Pattern.compile("Node    0, zone [ A-Za-z0-9]{8}, type [ A-Za-z]{12} (?: {0,5}\\d{1,6} ){11}");
    static final Pattern BLOCK_ROW = Pattern.compile("Node 0, zone [ A-Za-z0-9]{8} (?: {0,11}\\d{1,12} ){5}");

    private static Machine m;
    private static List<String> lines;

    @BeforeAll
    static void boot() {
        m = TestMachines.x86_64(4L << 30);
        m.pageAllocator().allocPages(1, Gfp.GFP_KERNEL, 3);
        lines = ProcTestSupport.lines(PageTypeInfo.render(m));
    }

    @Test
    void layoutIsTheSamplesLineForLine() {
        assumeTrue(ProcTestSupport.haveSamples());
        List<String> sample = ProcTestSupport.sample("pagetypeinfo.txt");
        assertThat(lines).hasSameSizeAs(sample);
        for (int i = 0; i < sample.size(); i++) {
            String shape = sample.get(i).replaceAll(" *\\d+", " #");
            assertThat(lines.get(i).replaceAll(" *\\d+", " #")).as("line %d", i + 1).isEqualTo(shape);
        }
    }

    @Test
    void headersAreExact() {
        assertThat(lines.subList(0, 4)).containsExactly("Page block order: 9", "Pages per block:  512", "", FREE_HEADER);
        int blank = 4 + 3 * MigrateType.values().length;
        assertThat(lines.get(blank)).isEmpty();
        assertThat(lines.get(blank + 1)).isEqualTo(BLOCKS_HEADER);
    }

    @Test
    void freeCountsAndBlockCountsAreTheAllocatorsOwn() {
        PageAllocator pa = m.pageAllocator();
        List<ZoneSpan> zones = m.populatedZones();
        int row = 4;
        for (ZoneSpan z : zones) {
            ZoneStats s = pa.zoneStats(z.type());
            for (MigrateType t : MigrateType.values()) {
                String line = lines.get(row++);
                assertThat(line).matches(FREE_ROW);
                assertThat(line.substring(31, 43).trim()).isEqualTo(t.kernelName());
                String[] counts = line.substring(44).trim().split(" +");
                for (int order = 0; order <= pa.maxOrder(); order++) {
                    assertThat(Long.parseLong(counts[order])).isEqualTo(s.freeBlocks()[t.ordinal()][order]);
                }
            }
        }
        row += 2;
        for (ZoneSpan z : zones) {
            String line = lines.get(row++);
            assertThat(line).matches(BLOCK_ROW);
            String[] counts = line.substring(22).trim().split(" +");
            for (MigrateType t : MigrateType.values()) {
                assertThat(Long.parseLong(counts[t.ordinal()])).isEqualTo(pa.zoneStats(z.type()).pageblocks()[t.ordinal()]);
            }
        }
        // DMA spans pfns 1..4095: the kernel's walk visits 8 pageblocks, all Movable here, as in the sample.
        assertThat(lines.get(4 + 3 * MigrateType.values().length + 2))
                .isEqualTo("Node 0, zone      DMA            0            8            0            0            0 ");
    }
}
