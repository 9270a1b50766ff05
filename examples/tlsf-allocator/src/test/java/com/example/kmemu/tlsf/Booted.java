package com.example.kmemu.tlsf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.CheckedFreePageWords;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.RecordingLog;
import org.kmemu.tck.ZoneFixtures;

/** A TLSF allocator booted on TCK fixture zones, with the machine's words lent and checked. */
record Booted(TlsfAllocator allocator, List<ZoneSpan> zones, RecordingLog log, CheckedFreePageWords words) {

    static Booted of(List<ZoneSpan> zones, Set<ZoneType> types, String... overrides) {
        Booted b = bare(zones, types, overrides);
        for (ZoneSpan z : zones) {
            b.allocator.freeBootMemory(ZoneFixtures.firstManagedPfn(z), z.managedPages());
        }
        return b;
    }

    /** The allocator before boot frees any memory: the test frees what it wants with freeBootMemory. */
    static Booted bare(List<ZoneSpan> zones, Set<ZoneType> types, String... overrides) {
        RecordingLog log = new RecordingLog();
        long maxPfn = zones.stream().mapToLong(ZoneSpan::endPfn).max().orElse(0);
        CheckedFreePageWords words = new CheckedFreePageWords(maxPfn);
        var config = PluginConfigs.of(TlsfPolicy.class, "kmemu.page-allocator.tlsf", overrides);
        var a = (TlsfAllocator) new TlsfPolicy().create(new ZoneFixtures.Context(config, zones, types, 12, 2, log, words));
        return new Booted(a, zones, log, words);
    }

    /** One zone [start, start + pages), all managed, on an x86_64-shaped machine: the zone is Normal. */
    static Booted normal(long start, long pages, String... overrides) {
        return of(normalZone(start, pages), ZoneFixtures.x86_64Types(), overrides);
    }

    /** The same zone with no memory freed yet. */
    static Booted bareNormal(long start, long pages, String... overrides) {
        return bare(normalZone(start, pages), ZoneFixtures.x86_64Types(), overrides);
    }

    static List<ZoneSpan> normalZone(long start, long pages) {
        return List.of(new ZoneSpan(ZoneType.NORMAL, start, pages, pages, pages));
    }

    TlsfZone zone(ZoneType type) {
        return allocator.zone(type);
    }

    long alloc(int gfp, int order) {
        long pfn = allocator.allocPages(0, gfp, order);
        if (pfn != TlsfAllocator.NO_PFN) {
            words.handedOut(pfn, order);
        }
        return pfn;
    }

    void free(long pfn, int order) {
        words.returned(pfn, order);
        allocator.freePages(0, pfn, order);
    }

    /** Asserts every zone's invariants and the struct page word contract. */
    void check() {
        for (ZoneSpan z : zones) {
            assertThat(TlsfChecker.check(allocator.zone(z.type()))).as(z.type().kernelName()).isEmpty();
        }
        assertThat(words.violations()).as("FreePageWords contract").isEmpty();
    }
}
