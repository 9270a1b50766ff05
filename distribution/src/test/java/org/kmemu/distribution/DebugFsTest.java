package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * {@code kmemu debugfs}: the extfrag files agree, zone by zone and order by order, with /proc/buddyinfo
 * of the same machine through mm/vmstat.c's formulas (unusable_free_index, __fragmentation_index).
 */
class DebugFsTest {
    static List<String> machines() throws java.io.IOException {
        return ShippedMachinesTest.machines().toList();
    }

    private static long[] counts(String line) {
        String[] f = line.substring(line.indexOf("zone") + 4).trim().split("\\s+");
        return Arrays.stream(f, 1, f.length).mapToLong(Long::parseLong).toArray();
    }

    @ParameterizedTest
    @MethodSource("machines")
    void theIndexesFollowFromBuddyinfo(String machine) {
        Launcher.Result buddy = Launcher.run("proc", "buddyinfo", "-c", machine);
        Launcher.Result unusable = Launcher.run("debugfs", "extfrag/unusable_index", "-c", machine);
        Launcher.Result extfrag = Launcher.run("debugfs", "extfrag/extfrag_index", "-c", machine);
        assertThat(unusable.code()).as(unusable.toString()).isZero();
        assertThat(extfrag.code()).as(extfrag.toString()).isZero();
        List<String> zones = buddy.stdout().lines().toList();
        List<String> u = unusable.stdout().lines().toList();
        List<String> e = extfrag.stdout().lines().toList();
        assertThat(u).hasSameSizeAs(zones);
        assertThat(e).hasSameSizeAs(zones);
        for (int z = 0; z < zones.size(); z++) {
            String head = zones.get(z).substring(0, zones.get(z).indexOf("zone") + 14); // "zone %8s "
            assertThat(u.get(z)).startsWith(head);
            assertThat(e.get(z)).startsWith(head);
            long[] free = counts(zones.get(z));
            StringBuilder wantU = new StringBuilder(head);
            StringBuilder wantE = new StringBuilder(head);
            for (int order = 0; order < free.length; order++) {
                long pages = 0;
                long total = 0;
                long suitable = 0;
                for (int o = 0; o < free.length; o++) {
                    pages += free[o] << o;
                    total += free[o];
                    suitable += o >= order ? free[o] << (o - order) : 0;
                }
                long ui = pages == 0 ? 1000 : (pages - (suitable << order)) * 1000 / pages;
                long ei = total == 0 ? 0 : suitable != 0 ? -1000 : 1000 - (1000 + pages * 1000 / (1L << order)) / total;
                wantU.append(String.format("%d.%03d ", ui / 1000, ui % 1000));
                wantE.append(String.format("%2d.%03d ", ei / 1000, Math.abs(ei % 1000)));
            }
            assertThat(u.get(z)).isEqualTo(wantU.toString());
            assertThat(e.get(z)).isEqualTo(wantE.toString());
        }
    }

    @Test
    void anUnknownFileIsAUsageErrorThatListsTheFiles() {
        Launcher.Result r = Launcher.run("debugfs", "extfrag/nope");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.stderr()).isEqualTo("kmemu: no such debugfs file: extfrag/nope (expected one of: extfrag/unusable_index,"
                + " extfrag/extfrag_index)\n");
        Launcher.Result help = Launcher.run("debugfs", "--help");
        assertThat(help.stdout().replaceAll("\\s+", " ")).contains("under /sys/kernel/debug: extfrag/unusable_index, extfrag/extfrag_index.");
    }
}
