package ${package};

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.api.Gfp.GFP_KERNEL;
import static org.kmemu.api.Gfp.__GFP_NOWARN;

import java.util.List;
import java.util.Set;
import org.kmemu.api.ConfigException;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.RecordingLog;
import org.kmemu.tck.ZoneFixtures;

import org.junit.jupiter.api.Test;

/** What makes this policy first-fit, beyond the contract every policy keeps. */
class FirstFitTest {

    private final RecordingLog log = new RecordingLog();

    /** One ZONE_NORMAL of 64 frames at pfn 64, all free. */
    private PageAllocator boot(String... overrides) {
        List<ZoneSpan> zones = List.of(new ZoneSpan(ZoneType.NORMAL, 64, 64, 64, 64));
        PageAllocator a = new FirstFitPolicy().create(new ZoneFixtures.Context(
                PluginConfigs.of(FirstFitPolicy.class, "kmemu.page-allocator." + FirstFitPolicy.ID, overrides),
                zones, Set.of(ZoneType.NORMAL), 12, 1, log));
        a.freeBootMemory(64, 64);
        return a;
    }

    @Test
    void takesTheLowestFreeFrameAndReusesAFreedOneFirst() {
        PageAllocator a = boot();
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).isEqualTo(64);
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).isEqualTo(65);
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).isEqualTo(66);
        a.freePages(0, 65, 0);
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).as("the hole at 65 is the first fit").isEqualTo(65);
    }

    @Test
    void skipsPastTheHighestBusyFrameToTheNextAlignedBlock() {
        PageAllocator a = boot();
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).isEqualTo(64);
        // Frames 65-67 are free but not an aligned block of 4: the first fit of order 2 is 68.
        assertThat(a.allocPages(0, GFP_KERNEL, 2)).isEqualTo(68);
        assertThat(a.allocPages(0, GFP_KERNEL, 0)).as("lower holes are still used").isEqualTo(65);
        assertThat(a.allocPages(0, GFP_KERNEL, 5)).as("64-95 is taken in part: the next 32").isEqualTo(96);
        assertThat(a.allocPages(0, GFP_KERNEL | __GFP_NOWARN, 5)).isEqualTo(PageAllocator.NO_PFN);
    }

    @Test
    void buddyinfoCutsFreeRunsIntoAlignedBlocks() {
        PageAllocator a = boot();
        a.allocPages(0, GFP_KERNEL, 0);
        // Free: 65..127 = 1 (65) + 2 (66-67) + 4 + 8 + 16 (68-95 in blocks of 4, 8 and 16) + 32 (96-127).
        var stats = a.zoneStats(ZoneType.NORMAL);
        assertThat(stats.freePages()).isEqualTo(63);
        assertThat(new long[] {stats.nrFree(0), stats.nrFree(1), stats.nrFree(2), stats.nrFree(3), stats.nrFree(4),
                stats.nrFree(5), stats.nrFree(6)}).containsExactly(1, 1, 1, 1, 1, 1, 0);
    }

    @Test
    void aFreeWithTheWrongOrderIsABadPageAndIgnored() {
        PageAllocator a = boot();
        long pfn = a.allocPages(0, GFP_KERNEL, 2);
        a.freePages(0, pfn, 1);
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).startsWith("BUG: Bad page state"))
                .anySatisfy(l -> assertThat(l).contains("freed with order 1 but allocated with order 2"));
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(60);
    }

    @Test
    void splitPageLetsEachPageBeFreedAlone() {
        PageAllocator a = boot();
        long pfn = a.allocPages(0, GFP_KERNEL, 2);
        a.splitPage(pfn, 2);
        for (int i = 3; i >= 0; i--) {
            a.freePages(0, pfn + i, 0);
        }
        assertThat(log.lines()).isEmpty();
        assertThat(a.nrFreePages(ZoneType.NORMAL)).isEqualTo(64);
    }

    @Test
    void maxOrderComesFromTheConfigAndIsChecked() {
        assertThat(boot("max-order = 3").maxOrder()).isEqualTo(3);
        assertThatThrownBy(() -> boot("max-order = 16")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("max-order").hasMessageContaining("16 (expected: 0 to 15)");
    }
}
