package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.ZoneType;
import org.kmemu.tck.CheckedFreePageWords;

/** The free lists threaded through lent struct page words: the encoding, the lists, and the cost. */
class FreeLinksTest {

    @Test
    void linksArePlusOneInTheHighAndLowHalvesSoAnUnlinkedPageHasTheWordZero() {
        ZoneWords w = new ZoneWords(100, 16);
        FreeLinks links = new FreeLinks(w, 100);
        links.set(5, 5, 5);
        assertThat(w.get(105)).isEqualTo(0x0000_0006_0000_0006L);
        links.setNext(5, 0);
        assertThat(w.get(105)).isEqualTo(0x0000_0001_0000_0006L);
        links.setPrev(5, 15);
        assertThat(w.get(105)).isEqualTo(0x0000_0001_0000_0010L);
        assertThat(links.next(5)).isZero();
        assertThat(links.prev(5)).isEqualTo(15);
        links.clear(5);
        assertThat(w.get(105)).isZero();
        assertThat(links.linked(5)).isFalse();
    }

    @Test
    void theLargestZoneRelativeIndexSurvivesTheRoundTrip() {
        java.util.Map<Long, Long> map = new java.util.HashMap<>();
        FreeLinks links = new FreeLinks(new org.kmemu.api.FreePageWords() {
            @Override
            public long get(long pfn) {
                return map.getOrDefault(pfn, 0L);
            }

            @Override
            public void set(long pfn, long word) {
                map.put(pfn, word);
            }
        }, 1L << 40);
        int last = (int) BuddyZone.MAX_ZONE_PAGES - 1;
        links.set(last, last, last - 1);
        assertThat(links.next(last)).isEqualTo(last);
        assertThat(links.prev(last)).isEqualTo(last - 1);
        assertThat(map).containsOnlyKeys((1L << 40) + last);
    }

    @Test
    void listsAddAtBothEndsAndRemoveFromAnyPlaceClearingTheWord() {
        FreeLinks links = new FreeLinks(new ZoneWords(0, 8), 0);
        int[] heads = {PageList.NIL};
        PageList.addHead(links, heads, 0, 3);
        PageList.addTail(links, heads, 0, 4);
        PageList.addHead(links, heads, 0, 2);
        PageList.addTail(links, heads, 0, 5);
        assertThat(walk(links, heads[0])).containsExactly(2, 3, 4, 5);
        assertThat(PageList.last(links, heads, 0)).isEqualTo(5);
        PageList.remove(links, heads, 0, 4);
        assertThat(links.linked(4)).isFalse();
        assertThat(walk(links, heads[0])).containsExactly(2, 3, 5);
        PageList.remove(links, heads, 0, 2);
        assertThat(walk(links, heads[0])).containsExactly(3, 5);
        PageList.remove(links, heads, 0, 5);
        assertThat(walk(links, heads[0])).containsExactly(3);
        assertThat(links.next(3)).isEqualTo(3);
        assertThat(links.prev(3)).isEqualTo(3);
        PageList.remove(links, heads, 0, 3);
        assertThat(heads[0]).isEqualTo(PageList.NIL);
        for (int i = 0; i < 8; i++) {
            assertThat(links.linked(i)).as("page %d", i).isFalse();
        }
    }

    @Test
    void perCpuListsPushAndPopAtBothEndsWithSelfLinkedEnds() {
        FreeLinks links = new FreeLinks(new ZoneWords(0, 8), 0);
        int[] head = {PageList.NIL};
        int[] tail = {PageList.NIL};
        PcpList.addHead(links, head, tail, 0, 3);
        assertThat(links.next(3)).isEqualTo(3);
        assertThat(links.prev(3)).isEqualTo(3);
        PcpList.addTail(links, head, tail, 0, 4);
        PcpList.addHead(links, head, tail, 0, 2);
        PcpList.addTail(links, head, tail, 0, 5);
        // 2 3 4 5: the ends link to themselves, the middle both ways.
        assertThat(links.prev(2)).isEqualTo(2);
        assertThat(links.next(5)).isEqualTo(5);
        assertThat(links.next(2)).isEqualTo(3);
        assertThat(links.prev(5)).isEqualTo(4);
        assertThat(links.next(3)).isEqualTo(4);
        assertThat(links.prev(4)).isEqualTo(3);
        assertThat(PcpList.removeHead(links, head, tail, 0)).isEqualTo(2);
        assertThat(links.linked(2)).isFalse();
        assertThat(links.prev(3)).isEqualTo(3);
        assertThat(PcpList.removeTail(links, head, tail, 0)).isEqualTo(5);
        assertThat(links.next(4)).isEqualTo(4);
        assertThat(PcpList.removeTail(links, head, tail, 0)).isEqualTo(4);
        assertThat(head[0]).isEqualTo(3);
        assertThat(tail[0]).isEqualTo(3);
        assertThat(links.next(3)).isEqualTo(3);
        assertThat(links.prev(3)).isEqualTo(3);
        assertThat(PcpList.removeHead(links, head, tail, 0)).isEqualTo(3);
        assertThat(head[0]).isEqualTo(PageList.NIL);
        assertThat(tail[0]).isEqualTo(PageList.NIL);
        for (int i = 0; i < 8; i++) {
            assertThat(links.linked(i)).as("page %d", i).isFalse();
        }
    }

    private static List<Integer> walk(FreeLinks links, int head) {
        java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
        int i = head;
        do {
            out.add(i);
            assertThat(links.prev(links.next(i))).isEqualTo(i);
            i = links.next(i);
        } while (i != head && out.size() < 100);
        return out;
    }

    @Test
    void withLentWordsTheBuddyKeepsOneBytePerPageAndOnePerPageblockAndHandsPagesOutWithWordZero() {
        CheckedFreePageWords words = new CheckedFreePageWords(8192);
        TestMachine m = new TestMachine(TestMachine.configView(TestMachine.noReserves("per-cpu-lists.batch", 7,
                "per-cpu-lists.high", 21)), List.of(TestMachine.span(ZoneType.NORMAL, 4096, 4096)), TestMachine.FLAT, 12, 2,
                new TestLog(), words);
        BuddyAllocator a = TestMachine.boot(m);
        int pageblocks = 4096 >> a.pageblockOrder();
        assertThat(a.metadataBytes()).isEqualTo(4096 + pageblocks);
        long p = a.allocPages(0, Gfp.GFP_KERNEL, 0);
        words.handedOut(p, 0);
        assertThat(a.isFreePage(p)).isFalse();
        assertThat(a.isFreePage(p + 1)).as("parked on CPU 0's list by the refill").isTrue();
        assertThat(words.get(p + 1)).as("its links").isNotZero();
        long q = a.allocPages(0, Gfp.GFP_KERNEL, 3);
        words.handedOut(q, 3);
        assertThat(words.violations()).isEmpty();

        TestMachine own = new TestMachine(m.config(), m.zones(), m.configuredZones(), 12, 2, new TestLog(), null);
        assertThat(TestMachine.boot(own).metadataBytes()).as("its own words: 8 more per page")
                .isEqualTo(4096 + pageblocks + 8 * 4096);
    }

    @Test
    void theContractCheckerCatchesAWriteIntoAnAllocatedPageAndAPageHandedOutWithLinks() {
        CheckedFreePageWords words = new CheckedFreePageWords(16);
        words.set(3, 7);
        words.handedOut(3, 0);
        words.handedOut(8, 1);
        words.set(9, 1);
        assertThat(words.violations()).hasSize(2);
        assertThat(words.violations().get(0)).contains("pfn 3 handed out with word 7");
        assertThat(words.violations().get(1)).contains("pfn 9, which is allocated");
    }
}
