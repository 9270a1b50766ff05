package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class BuddyInfoTest {
    /** "Node %d, zone %8s " then eleven "%6lu " (wider counts push the columns right). */
    static final Pattern LINE = Pattern.compile("Node 0, zone ([ A-Za-z0-9]{8}) ((?: {0,5}\\d{1,6} ){11})");

    @Test
    void sampleLinesHaveTheLayoutWeCheckFor() {
        assumeTrue(ProcTestSupport.haveSamples());
        for (String line : ProcTestSupport.sample("buddyinfo.txt")) {
            assertThat(line).matches(LINE);
        }
    }

    @Test
    void oneLinePerPopulatedZoneWithTheAllocatorsCounts() {
        Machine m = TestMachines.x86_64(4L << 30);
        PageAllocator pa = m.pageAllocator();
        for (int i = 0; i < 50; i++) {
            pa.allocPages(0, Gfp.GFP_KERNEL, i % 4);
            pa.allocPages(0, Gfp.GFP_DMA, 0);
        }
        List<String> lines = ProcTestSupport.lines(BuddyInfo.render(m));
        List<ZoneSpan> zones = m.populatedZones();
        assertThat(lines).hasSize(zones.size());
        for (int z = 0; z < zones.size(); z++) {
            String line = lines.get(z);
            Matcher match = LINE.matcher(line);
            assertThat(match.matches()).as(line).isTrue();
            assertThat(match.group(1).trim()).isEqualTo(zones.get(z).type().kernelName());
            assertThat(line).hasSize(22 + 11 * 7);
            ZoneStats s = pa.zoneStats(zones.get(z).type());
            String[] counts = match.group(2).trim().split(" +");
            for (int order = 0; order <= pa.maxOrder(); order++) {
                assertThat(Long.parseLong(counts[order])).as("order %d", order).isEqualTo(s.nrFree(order));
            }
        }
        // 50 order-0 pages from pfn 256 up leave [306, 4096) free: blocks of order 1, 2, 3, 6, 7, 9 and 3 x 10.
        assertThat(lines.get(0)).isEqualTo(
                "Node 0, zone      DMA      0      1      1      1      0      0      1      1      0      1      3 ");
    }

    @Test
    void unpopulatedZonesAreLeftOut() {
        Machine m = TestMachines.x86_64(2L << 30);
        assertThat(ProcTestSupport.lines(BuddyInfo.render(m)))
                .extracting(l -> l.substring(13, 21).trim()).containsExactly("DMA", "DMA32");
    }
}
