package org.kmemu.x86.common.e820;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/**
 * The default map's rule over random RAM sizes: RAM at [0, ramBytes), hidden or moved only by the
 * holes; trim_bios_range() takes page 0 and nothing else from it; and the address limit holds.
 */
class PcE820MapPropertiesTest {
    static final long LEGACY_START = 0x9fc00L;
    static final long MIB = 1L << 20;
    static final long HOLE_START = 3L << 30;
    static final long HOLE_END = 4L << 30;
    /** x86_64's 4-level MAXMEM (1 << 46): large enough for every size tried. */
    static final long MAX_END = 1L << 46;

    @Property(tries = 500)
    void ramLiesBelowItsSizeExceptWhatTheHolesHideOrMove(@ForAll @LongRange(min = 1, max = 1L << 30) long pages) {
        long ram = pages << 12;
        MemoryMap m = PcE820Map.of(ram, MAX_END, "test limit");
        long lost = Math.max(0, Math.min(ram, MIB) - LEGACY_START);
        assertThat(m.usableBytes()).isEqualTo(ram - lost);
        long ramEnd = ram > HOLE_START ? ram + (HOLE_END - HOLE_START) : ram > MIB ? ram : Math.min(ram, LEGACY_START);
        assertThat(m.maxPfn(12)).isEqualTo(ramEnd >>> 12);
        for (MemoryRegion r : m.usable()) {
            assertThat(r.end() <= LEGACY_START || r.start() >= MIB).isTrue();
            assertThat(r.end() <= HOLE_START ? r.end() <= ram : r.start() == HOLE_END).isTrue();
        }
        for (MemoryRegion r : m.regions()) {
            assertThat(r.end() % 4096 == 0 || r.end() == LEGACY_START).as("%s", r).isTrue();
        }
        assertThat(m.regions()).contains(new MemoryRegion(HOLE_START, HOLE_END - HOLE_START, RegionType.DEVICE));
        if (pages > 1) {
            // trim_bios_range() takes page 0 and nothing else from this map
            MemoryMap trimmed = PcE820Map.trimBiosRange(m);
            assertThat(trimmed.usableBytes()).isEqualTo(m.usableBytes() - 4096);
            assertThat(trimmed.maxPfn(12)).isEqualTo(m.maxPfn(12));
            assertThat(trimmed.regions().get(0)).isEqualTo(new MemoryRegion(0, 4096, RegionType.RESERVED));
        }
    }

    @Property(tries = 200)
    void ramEndsAtTheLimitAndNotOnePageAbove(@ForAll @IntRange(min = 33, max = 52) int physBits) {
        long maxEnd = 1L << physBits;
        long most = maxEnd - (HOLE_END - HOLE_START);
        assertThat(PcE820Map.of(most, maxEnd, "the limit").end()).isEqualTo(maxEnd);
        assertThatThrownBy(() -> PcE820Map.of(most + 4096, maxEnd, "the limit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("%#x (expected: at most %#x, since RAM past 3 GiB continues above the PCI"
                        + " hole at 4 GiB and the limit)", most + 4096, most);
    }

    @Property(tries = 200)
    void sizesThatAreNotWholePagesAreRefused(@ForAll @LongRange(min = -(1L << 40), max = 1L << 40) long ramBytes) {
        if (ramBytes > 0 && ramBytes % 4096 == 0) {
            assertThat(PcE820Map.of(ramBytes, MAX_END, "test limit").usableBytes()).isPositive();
        } else {
            assertThatThrownBy(() -> PcE820Map.of(ramBytes, MAX_END, "test limit"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("%d (expected: a positive multiple of 4096 bytes)", ramBytes);
        }
    }
}
