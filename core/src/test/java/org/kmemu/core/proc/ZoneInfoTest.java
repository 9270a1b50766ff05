package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class ZoneInfoTest {

    /** The lines of each zone's block, keyed by the block's header line order. */
    private static List<List<String>> blocks(String text) {
        List<List<String>> out = new ArrayList<>();
        for (String line : ProcTestSupport.lines(text)) {
            if (line.startsWith("Node ")) {
                out.add(new ArrayList<>());
            }
            out.get(out.size() - 1).add(line);
        }
        return out;
    }

    /** A line's shape: numbers become '#', and the protection list (its length is MAX_NR_ZONES) one '#'. */
    private static String shape(String line) {
        return line.replaceAll("protection: \\(.*\\)", "protection: (#)").replaceAll(" *\\d+", " #");
    }

    @Test
    void firstZoneIsTheSamplesDmaZoneLineForLine() {
        assumeTrue(ProcTestSupport.haveSamples());
        Machine m = TestMachines.x86_64(4L << 30);
        List<String> dma = blocks(ZoneInfo.render(m)).get(0);
        List<String> sample = ProcTestSupport.sample("zoneinfo.txt");
        assertThat(dma).hasSameSizeAs(sample);
        for (int i = 0; i < sample.size(); i++) {
            assertThat(shape(dma.get(i))).as("line %d: %s", i + 1, sample.get(i)).isEqualTo(shape(sample.get(i)));
            // Labels are padded exactly as the kernel pads them: compare the text before the number.
            String label = sample.get(i).replaceAll("\\d+[^(]*$", "");
            if (!sample.get(i).contains("protection")) {
                assertThat(dma.get(i)).startsWith(label);
            }
        }
        // The numbers the sample's DMA zone shares with a PC memory map: 1 MiB reserved, pfn 0 and 0x9f-0xff holes.
        assertThat(dma).contains("  pages free     3840", "        spanned  4095", "        present  3998",
                "        managed  3840", "      nr_free_pages 3840", "      nr_free_pages_blocks 3584",
                "  vm stats threshold: 4", "  start_pfn:           1");
    }

    @Test
    void everyZoneIsPrintedAndNodeStatsOnlyOnce() {
        Machine m = TestMachines.x86_64(4L << 30);
        String text = ZoneInfo.render(m);
        List<List<String>> blocks = blocks(text);
        assertThat(blocks).extracting(b -> b.get(0)).containsExactly("Node 0, zone      DMA", "Node 0, zone    DMA32",
                "Node 0, zone   Normal", "Node 0, zone  Movable");
        assertThat(blocks.get(0).get(1)).isEqualTo("  per-node stats");
        assertThat(text.split("per-node stats", -1)).hasSize(2);
        for (int i = 0; i < 3; i++) {
            ZoneStats s = m.pageAllocator().zoneStats(m.populatedZones().get(i).type());
            List<String> b = blocks.get(i);
            assertThat(b).contains("  pages free     " + s.freePages(), "        min      " + s.watermarkMin(),
                    "        low      " + s.watermarkLow(), "        high     " + s.watermarkHigh(),
                    "        promo    " + s.watermarkPromo(), "        spanned  " + s.zone().spannedPages(),
                    "        present  " + s.zone().presentPages(), "        managed  " + s.zone().managedPages(),
                    "  start_pfn:           " + s.zone().startPfn());
            StringBuilder protection = new StringBuilder("        protection: (");
            for (int j = 0; j < s.lowmemReserve().length; j++) {
                protection.append(j == 0 ? "" : ", ").append(s.lowmemReserve()[j]);
            }
            assertThat(b).contains(protection.append(')').toString());
            assertThat(b.stream().filter(l -> l.equals("    cpu: 0") || l.equals("    cpu: 1"))).hasSize(2);
            assertThat(b.get(b.size() - 1)).startsWith("  start_pfn:");
        }
    }

    @Test
    void unpopulatedZonesGetTheShortForm() {
        Machine m = TestMachines.x86_64(2L << 30);
        List<List<String>> blocks = blocks(ZoneInfo.render(m));
        assertThat(blocks).extracting(b -> b.get(0)).containsExactly("Node 0, zone      DMA", "Node 0, zone    DMA32",
                "Node 0, zone   Normal", "Node 0, zone  Movable");
        assertThat(blocks.get(2)).containsExactly("Node 0, zone   Normal", "  pages free     0", "        boost    0",
                "        min      0", "        low      0", "        high     0", "        promo    0",
                "        spanned  0", "        present  0", "        managed  0", "        cma      0",
                "        protection: (0, 0, 0, 0)");
        // A movable (highmem-like) zone's min watermark is clamped up to SWAP_CLUSTER_MAX even when empty.
        assertThat(blocks.get(3)).contains("        min      32", "        high     32");
        assertThat(blocks.get(3)).hasSize(12);
    }

    @Test
    void i386HasHighMemAndNoNumaCounters() {
        Machine m = TestMachines.i386(2L << 30);
        String text = ZoneInfo.render(m);
        assertThat(blocks(text)).extracting(b -> b.get(0)).containsExactly("Node 0, zone      DMA",
                "Node 0, zone   Normal", "Node 0, zone  HighMem", "Node 0, zone  Movable");
        assertThat(text).doesNotContain("numa_hit", "pgpromote_success").contains("nr_hugetlb");
        assertThat(m.hasZone(ZoneType.HIGHMEM)).isTrue();
    }

    @Test
    void normalThresholdFollowsTheKernelsTable() {
        // Rows of the table in mm/vmstat.c calculate_normal_threshold(): cpus, zone size -> threshold.
        long gib = 1L << 18;
        assertThat(ZoneInfo.normalThreshold(1, gib - 1, 12)).isEqualTo(8);
        assertThat(ZoneInfo.normalThreshold(2, gib - 1, 12)).isEqualTo(16);
        assertThat(ZoneInfo.normalThreshold(2, 3 * gib, 12)).isEqualTo(24);
        assertThat(ZoneInfo.normalThreshold(2, 3840, 12)).isEqualTo(4);
        assertThat(ZoneInfo.normalThreshold(4, 12 * gib, 12)).isEqualTo(48);
        assertThat(ZoneInfo.normalThreshold(16, 900L << 8, 12)).isEqualTo(40);
        assertThat(ZoneInfo.normalThreshold(1024, 20 * gib, 12)).isEqualTo(125);
    }
}
