package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of mmap-like inserts (at get_unmapped_area's address, at a hint next to a VMA, or
 * MAP_FIXED into a hole), anonymous faults (an anon_vma appears), splits and unmaps: the VMAs never
 * overlap, stay sorted, lookups agree with a linear scan, and right after each insert the VMA covering
 * the new range is not mergeable with a neighbour that borders the new range.
 */
class VmaTreeProperties {

    private static final int SHIFT = 12;
    private static final long P = 1L << SHIFT;
    private static final MmapLayout LAYOUT = new MmapLayout(0x01000000L, 0x00c00000L, 0x00400000L, 4096, SHIFT);
    private static final long[] FLAGS = {
        VmFlags.VM_READ | VmFlags.VM_MAYREAD,
        VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE,
        VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE | VmFlags.VM_SOFTDIRTY,
        VmFlags.VM_READ | VmFlags.VM_IO,
    };

    @Property(tries = 200)
    void vmasStaySortedDisjointAndMerged(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int ops) {
        Random r = new Random(seed);
        VmaTree t = new VmaTree(SHIFT);
        VmFile[] files = {new VmFile("/a", 8, 1, 1), new VmFile("/b", 8, 1, 2)};
        long anonIds = 0;
        for (int i = 0; i < ops; i++) {
            int op = r.nextInt(10);
            List<Vma> all = new ArrayList<>(t.vmas());
            if (op < 6 || all.isEmpty()) {
                long len = (1 + r.nextInt(8)) * P;
                long hint = 0;
                if (!all.isEmpty() && r.nextBoolean()) {
                    Vma v = all.get(r.nextInt(all.size()));
                    hint = r.nextBoolean() ? v.end() : v.start() - len;
                }
                long addr = UnmappedArea.get(t, LAYOUT, hint, len, false);
                if (addr < 0) {
                    continue;
                }
                assertThat(t.findVmaIntersection(addr, addr + len)).isNull();
                long flags = FLAGS[r.nextInt(FLAGS.length)];
                VmFile file = r.nextInt(3) == 0 ? null : files[r.nextInt(2)];
                long pgoff = file == null ? addr >>> SHIFT : pgoffNextTo(t, addr, len, file, r);
                Vma v = t.mapRange(addr, addr + len, flags, pgoff, file, null);
                assertThat(Long.compareUnsigned(v.start(), addr) <= 0 && Long.compareUnsigned(v.end(), addr + len) >= 0).isTrue();
                // Only the new range's own borders are the merge's business: a pair a split left elsewhere stays.
                Vma prev = v.start() == addr ? t.prev(v) : null;
                Vma next = v.end() == addr + len ? t.next(v) : null;
                assertThat(prev == null || !wouldMerge(prev, v)).as("%s left unmerged before %s", prev, v).isTrue();
                assertThat(next == null || !wouldMerge(v, next)).as("%s left unmerged before %s", v, next).isTrue();
            } else if (op == 6) {
                all.get(r.nextInt(all.size())).setAnonVma(new AnonVma(++anonIds));
            } else if (op < 9) {
                Vma v = all.get(r.nextInt(all.size()));
                long pages = (v.end() - v.start()) >>> SHIFT;
                if (pages > 1) {
                    t.splitVma(v, v.start() + (1 + r.nextInt((int) pages - 1)) * P, r.nextBoolean());
                }
            } else {
                t.unlink(all.get(r.nextInt(all.size())));
            }
            checkInvariants(t, r);
        }
    }

    /** A file pgoff that continues the VMA before or after the range half the time, else a random one. */
    private static long pgoffNextTo(VmaTree t, long addr, long len, VmFile file, Random r) {
        Vma prev = t.findVmaPrev(addr);
        if (prev != null && prev.end() == addr && r.nextBoolean()) {
            return prev.pgoff() + ((prev.end() - prev.start()) >>> SHIFT);
        }
        Vma next = t.findVma(addr);
        if (next != null && next.start() == addr + len && r.nextBoolean()) {
            return Math.max(0, next.pgoff() - (len >>> SHIFT));
        }
        return r.nextInt(64);
    }

    /** The test's own statement of the rule for two adjacent VMAs when the range between them had no anon_vma. */
    private static boolean wouldMerge(Vma a, Vma b) {
        return a.end() == b.start()
                && ((a.flags() ^ b.flags()) & ~VmFlags.VM_SOFTDIRTY) == 0
                && (a.flags() & VmFlags.VM_SPECIAL) == 0
                && a.file() == b.file()
                && a.pgoff() + ((a.end() - a.start()) >>> SHIFT) == b.pgoff()
                && (a.anonVma() == null || b.anonVma() == null || a.anonVma() == b.anonVma());
    }

    private static void checkInvariants(VmaTree t, Random r) {
        List<Vma> all = new ArrayList<>(t.vmas());
        assertThat(t.mapCount()).isEqualTo(all.size());
        for (int i = 0; i < all.size(); i++) {
            Vma v = all.get(i);
            assertThat(v.start()).isLessThan(v.end());
            if (i > 0) {
                assertThat(all.get(i - 1).end()).as("sorted, no overlap").isLessThanOrEqualTo(v.start());
            }
        }
        for (int k = 0; k < 8; k++) {
            long addr = r.nextInt((int) (LAYOUT.taskSize() >>> SHIFT)) * P + r.nextInt((int) P);
            Vma expect = null;
            Vma expectPrev = null;
            for (Vma v : all) {
                if (v.end() > addr) {
                    expect = v;
                    break;
                }
                expectPrev = v;
            }
            assertThat(t.findVma(addr)).isSameAs(expect);
            assertThat(t.findVmaPrev(addr)).isSameAs(expectPrev);
        }
    }
}
