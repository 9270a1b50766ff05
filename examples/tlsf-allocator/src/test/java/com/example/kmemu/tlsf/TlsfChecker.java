package com.example.kmemu.tlsf;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Checks every invariant of a {@link TlsfZone} from the outside, by walking all its lists, and returns
 * what is wrong (empty when nothing is). Tests call it after each step and corrupt zones on purpose to
 * see it complain.
 */
final class TlsfChecker {
    private TlsfChecker() {
    }

    /** @return the free ranges, first page to length, zone-relative */
    static TreeMap<Integer, Integer> ranges(TlsfZone zone) {
        TreeMap<Integer, Integer> out = new TreeMap<>();
        synchronized (zone.lock) {
            TlsfMapping map = zone.mapping();
            for (int cls = 0; cls < map.classes(); cls++) {
                for (int h = zone.headLocked(cls); h != RangeWords.NIL; h = zone.nextLocked(h)) {
                    out.put(h, zone.rangeLength(h));
                }
            }
        }
        return out;
    }

    static List<String> check(TlsfZone zone) {
        List<String> bad = new ArrayList<>();
        synchronized (zone.lock) {
            TlsfMapping map = zone.mapping();
            TreeMap<Integer, Integer> ranges = new TreeMap<>();
            int expectFl = 0;
            int[] expectSl = new int[TlsfMapping.FL_COUNT];
            for (int cls = 0; cls < map.classes(); cls++) {
                int prev = RangeWords.NIL;
                int steps = 0;
                for (int h = zone.headLocked(cls); h != RangeWords.NIL; h = zone.nextLocked(h)) {
                    if (++steps > zone.spanned) {
                        bad.add("list " + cls + " loops");
                        break;
                    }
                    if (!PageTag.isFreeHead(zone.tags[h])) {
                        bad.add("range at " + h + " on list " + cls + " has no head tag");
                        continue;
                    }
                    int len = zone.rangeLength(h);
                    int t = h + len - 1;
                    if (len < 1 || t >= zone.spanned) {
                        bad.add("range at " + h + " has length " + len);
                        continue;
                    }
                    if (!PageTag.isFreeTail(zone.tags[t]) || zone.headOfTail(t) != h) {
                        bad.add("range [" + h + ", +" + len + ") has a bad tail tag");
                    }
                    if (map.insertClass(len) != cls) {
                        bad.add("range of " + len + " pages on list " + cls + " (expected: " + map.insertClass(len) + ")");
                    }
                    if (zone.prevLocked(h) != prev) {
                        bad.add("range at " + h + " has prev " + zone.prevLocked(h) + " (expected: " + prev + ")");
                    }
                    if (ranges.put(h, len) != null) {
                        bad.add("range at " + h + " is on two lists");
                    }
                    expectFl |= 1 << map.fl(cls);
                    expectSl[map.fl(cls)] |= 1 << map.sl(cls);
                    prev = h;
                }
            }
            if (zone.flBitmapLocked() != expectFl) {
                bad.add(String.format("first-level bitmap %x (expected: %x)", zone.flBitmapLocked(), expectFl));
            }
            for (int fl = 0; fl < TlsfMapping.FL_COUNT; fl++) {
                if (zone.slBitmapLocked(fl) != expectSl[fl]) {
                    bad.add(String.format("second-level bitmap %d: %x (expected: %x)", fl, zone.slBitmapLocked(fl), expectSl[fl]));
                }
            }
            long free = 0;
            int lastEnd = -2;
            for (var e : ranges.entrySet()) {
                int h = e.getKey();
                int len = e.getValue();
                free += len;
                if (h < lastEnd) {
                    bad.add("range at " + h + " overlaps the one before");
                } else if (h == lastEnd) {
                    bad.add("ranges touch at " + h + " (expected: coalesced)");
                }
                lastEnd = h + len;
                for (int i = h + 1; i < h + len - 1; i++) {
                    if (zone.tags[i] != PageTag.NONE) {
                        bad.add("interior page " + i + " of range at " + h + " is tagged");
                    }
                    if (i > h + 1 && zone.wordLocked(i) != 0) {
                        bad.add("interior page " + i + " of range at " + h + " has word " + zone.wordLocked(i));
                    }
                }
            }
            if (ranges.size() != zone.nrRangesLocked()) {
                bad.add("nrRanges " + zone.nrRangesLocked() + " (expected: " + ranges.size() + ")");
            }
            if (free != zone.freePages()) {
                bad.add("freePages " + zone.freePages() + " (expected: " + free + ")");
            }
            for (int i = 0; i < zone.spanned; i++) {
                if (PageTag.isFree(zone.tags[i]) && !ranges.containsKey(zone.headOfTail(i)) && !ranges.containsKey(i)) {
                    bad.add("page " + i + " has a free tag but is no range's boundary");
                }
            }
        }
        return bad;
    }
}
