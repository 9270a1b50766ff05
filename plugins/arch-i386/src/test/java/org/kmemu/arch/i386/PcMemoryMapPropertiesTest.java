package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.RegionType;

/** The default map's rule over random RAM sizes: RAM at [0, ramBytes), hidden or moved only by the holes. */
class PcMemoryMapPropertiesTest {
    static final long LEGACY_START = 0x9fc00L;
    static final long MIB = 1L << 20;
    static final long HOLE_START = 3L << 30;
    static final long HOLE_END = 4L << 30;

    final I386Spec pae = new I386Spec(Machines.pae(Machines.defaults()));

    @Property(tries = 500)
    void ramLiesBelowItsSizeExceptWhatTheHolesHideOrMove(@ForAll @LongRange(min = 1, max = 63L << 18) long pages) {
        long ram = pages << 12;
        MemoryMap m = pae.defaultMemoryMap(ram);
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
            MemoryMap trimmed = pae.sanitizeFirmwareMap(m);
            assertThat(trimmed.usableBytes()).isEqualTo(m.usableBytes() - 4096);
            assertThat(trimmed.maxPfn(12)).isEqualTo(m.maxPfn(12));
            assertThat(trimmed.regions().get(0)).isEqualTo(new MemoryRegion(0, 4096, RegionType.RESERVED));
        }
    }
}
