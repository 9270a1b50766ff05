package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The cost of struct page, measured by {@code ./kmemu memmap} from the lengths of every per-frame array
 * (page frames and the buddy allocator's) on x86_64 machines run by the launcher with its default heap:
 * at most 24 bytes per 4 KiB frame with every field of every frame in use (Linux: 64), and a 1 TiB
 * machine boots.
 */
class StructPageBudgetTest {
    private static final Pattern FIGURE = Pattern.compile("(?m)^(booted|populated): .*: (\\d+\\.\\d+) bytes per frame$");

    @Test
    void everyFieldOfEveryFrameInUseCostsAtMost24BytesPerFrame() {
        Launcher.Result r = Launcher.run("memmap", "--populate", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=64G");
        assertThat(r.code()).as(r.toString()).isZero();
        double booted = figure(r, "booted");
        double populated = figure(r, "populated");
        // flags 4 + word 8 + refcount 4 + mapcount 4 in struct page, the buddy's state byte, a byte per pageblock.
        assertThat(populated).as(r.toString()).isGreaterThanOrEqualTo(21.0).isLessThanOrEqualTo(24.0);
        assertThat(booted).as("boot makes no counts: " + r).isLessThan(populated - 7);
    }

    @Test
    void aOneTebibyteMachineBootsInTheLaunchersDefaultHeap() {
        Launcher.Result r = Launcher.run("memmap", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=1T");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).containsPattern("(?m)^struct page: 26\\d{7} frames \\(10\\d\\dG?\\d*M\\), Linux 64 bytes each$");
        assertThat(figure(r, "booted")).as(r.toString()).isLessThanOrEqualTo(24.0);
    }

    private static double figure(Launcher.Result r, String which) {
        Matcher m = FIGURE.matcher(r.stdout());
        while (m.find()) {
            if (m.group(1).equals(which)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no \"" + which + ":\" figure in\n" + r);
    }
}
