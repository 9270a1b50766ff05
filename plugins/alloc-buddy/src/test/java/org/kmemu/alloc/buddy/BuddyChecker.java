package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;

/** Walks a zone's free lists and checks the invariants the allocator's header promises. */
final class BuddyChecker {
    private BuddyChecker() {
    }

    /**
     * With every page back in the allocator: a page carries links exactly while it is on a list (a free
     * head or a per-CPU page), so no tail of a merged block kept stale links.
     */
    static void checkNoStaleLinks(BuddyZone z) {
        synchronized (z.lock) {
            for (int i = 0; i < z.spanned; i++) {
                int kind = PageState.kind(z.state[i]);
                assertThat(z.links.linked(i)).as("links of page %d (state %#x)", i, z.state[i])
                        .isEqualTo(kind == PageState.FREE || kind == PageState.PCP);
            }
        }
    }

    /**
     * Walks one CPU's lists of a zone: ends self-linked, links agree both ways, every page PCP-state,
     * the walk from the head ends at the tail, and the lengths add up to the CPU's count.
     */
    static void checkPcp(PerCpuPages p, BuddyZone z) {
        long total = 0;
        for (int mt = 0; mt < p.head.length; mt++) {
            int i = p.head[mt];
            if (i == PageList.NIL) {
                assertThat(p.tail[mt]).as("tail of empty list %d", mt).isEqualTo(PageList.NIL);
                continue;
            }
            assertThat(z.links.prev(i)).as("the head links back to itself").isEqualTo(i);
            long n = 0;
            for (;;) {
                assertThat(PageState.kind(z.state[i])).as("state of pcp page %d", i).isEqualTo(PageState.PCP);
                n++;
                int next = z.links.next(i);
                if (next == i) {
                    break;
                }
                assertThat(z.links.prev(next)).isEqualTo(i);
                i = next;
                assertThat(n).as("list %d is a chain", mt).isLessThanOrEqualTo(z.spanned);
            }
            assertThat(i).as("the walk ends at the tail").isEqualTo(p.tail[mt]);
            total += n;
        }
        assertThat(total).as("pcp count of CPU %d", p.cpu).isEqualTo(p.count);
    }

    static void check(BuddyZone z) {
        long free = 0;
        synchronized (z.lock) {
            for (int o = 0; o <= z.maxOrder; o++) {
                for (int mt = 0; mt < BuddyZone.NR_MT; mt++) {
                    int slot = o * BuddyZone.NR_MT + mt;
                    int head = z.freeHead[slot];
                    long n = 0;
                    if (head != PageList.NIL) {
                        int i = head;
                        do {
                            assertThat(PageState.isFreeHead(z.state[i], o)).as("free head at %d order %d", i, o).isTrue();
                            assertThat(z.pageblockMigratetype(i)).as("list type of %d", i).isEqualTo(mt);
                            assertThat((z.startPfn + i) & ((1L << o) - 1)).as("alignment").isZero();
                            assertThat(z.links.prev(z.links.next(i))).isEqualTo(i);
                            n++;
                            i = z.links.next(i);
                        } while (i != head && n <= z.spanned);
                    }
                    assertThat(n).as("nr_free of order %d type %d", o, mt).isEqualTo(z.nrFree[slot]);
                    free += n << o;
                    if (o < z.maxOrder && head != PageList.NIL) {
                        int i = head;
                        do {
                            int b = z.indexOf((z.startPfn + i) ^ (1L << o));
                            // Mergeable buddies never sit free side by side.
                            assertThat(b >= 0 && PageState.isFreeHead(z.state[b], o)).as("unmerged buddies %d", i).isFalse();
                            i = z.links.next(i);
                        } while (i != head);
                    }
                }
            }
            assertThat(free).as("NR_FREE_PAGES").isEqualTo(z.freePages());
            for (int i = 0; i < z.spanned; i++) {
                // A page on a list carries links (an allocated page's word is its holder's: not read here).
                int kind = PageState.kind(z.state[i]);
                if (kind == PageState.FREE || kind == PageState.PCP) {
                    assertThat(z.links.linked(i)).as("links of page %d (state %#x)", i, z.state[i]).isTrue();
                }
            }
        }
    }
}
