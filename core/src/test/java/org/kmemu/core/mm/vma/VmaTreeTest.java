package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.core.mm.vma.VmFlags.*;

import org.junit.jupiter.api.Test;

class VmaTreeTest {
    private static final int SHIFT = 12;
    private static final long P = 1L << SHIFT;
    private static final long RW = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

    private final VmaTree t = new VmaTree(SHIFT);

    /** An anonymous private mapping of pages [from, to): pgoff is the start's page number, as do_mmap sets it. */
    private Vma anon(long from, long to) {
        return t.mapRange(from * P, to * P, RW, from, null, null);
    }

    @Test
    void findVmaAndFriends() {
        Vma a = anon(10, 20);
        Vma b = t.mapRange(30 * P, 40 * P, VM_READ, 0, null, null);
        assertThat(t.findVma(0)).isSameAs(a);
        assertThat(t.findVma(15 * P)).isSameAs(a);
        assertThat(t.findVma(20 * P)).as("in the gap: the next one").isSameAs(b);
        assertThat(t.findVma(40 * P)).isNull();
        assertThat(t.findVmaPrev(15 * P)).isNull();
        assertThat(t.findVmaPrev(20 * P)).isSameAs(a);
        assertThat(t.findVmaPrev(35 * P)).isSameAs(a);
        assertThat(t.findVmaPrev(40 * P)).isSameAs(b);
        assertThat(t.findVmaIntersection(20 * P, 30 * P)).isNull();
        assertThat(t.findVmaIntersection(20 * P, 31 * P)).isSameAs(b);
        assertThat(t.vmaLookup(25 * P)).isNull();
        assertThat(t.vmaLookup(39 * P)).isSameAs(b);
    }

    @Test
    void anonymousNeighboursMergeLeftRightAndBoth() {
        Vma a = anon(10, 20);
        assertThat(anon(20, 25)).as("joins prev").isSameAs(a);
        assertThat(a.start()).isEqualTo(10 * P);
        assertThat(a.end()).isEqualTo(25 * P);
        Vma c = anon(30, 40);
        assertThat(c).isNotSameAs(a);
        assertThat(anon(28, 30)).as("joins next").isSameAs(c);
        assertThat(c.start()).isEqualTo(28 * P);
        assertThat(c.pgoff()).isEqualTo(28);
        assertThat(anon(25, 28)).as("fills the hole: prev absorbs next").isSameAs(a);
        assertThat(t.mapCount()).isEqualTo(1);
        assertThat(a.end()).isEqualTo(40 * P);
    }

    @Test
    void flagsOtherThanSoftDirtyPreventMerge() {
        Vma a = anon(10, 20);
        Vma b = t.mapRange(20 * P, 30 * P, RW | VM_EXEC, 20, null, null);
        assertThat(b).isNotSameAs(a);
        Vma c = t.mapRange(30 * P, 40 * P, RW | VM_EXEC | VM_SOFTDIRTY, 30, null, null);
        assertThat(c).as("VM_SOFTDIRTY is ignored").isSameAs(b);
        assertThat(b.end()).isEqualTo(40 * P);
        assertThat(t.mapCount()).isEqualTo(2);
    }

    @Test
    void specialMappingsNeverMerge() {
        for (long special : new long[] {VM_IO, VM_DONTEXPAND, VM_PFNMAP, VM_MIXEDMAP}) {
            VmaTree tree = new VmaTree(SHIFT);
            Vma a = tree.mapRange(10 * P, 20 * P, RW | special, 10, null, null);
            Vma b = tree.mapRange(20 * P, 30 * P, RW | special, 20, null, null);
            assertThat(b).as("flag %#x", special).isNotSameAs(a);
            assertThat(a.end()).isEqualTo(20 * P);
            assertThat(tree.mapCount()).isEqualTo(2);
        }
    }

    @Test
    void fileMappingsMergeOnlyWithTheSameFileAndContiguousPgoff() {
        VmFile f = new VmFile("/lib/libc.so.6", 8, 1, 1234);
        VmFile same = new VmFile("/lib/libc.so.6", 8, 1, 1234);
        Vma a = t.mapRange(10 * P, 20 * P, VM_READ, 0, f, null);
        assertThat(t.mapRange(20 * P, 22 * P, VM_READ, 11, f, null)).as("pgoff 11 after 0..9").isNotSameAs(a);
        Vma b = t.mapRange(30 * P, 32 * P, VM_READ, 5, same, null);
        assertThat(t.mapRange(32 * P, 34 * P, VM_READ, 7, f, null)).as("another struct file").isNotSameAs(b);
        Vma c = t.mapRange(40 * P, 42 * P, VM_READ, 3, f, null);
        assertThat(t.mapRange(42 * P, 44 * P, VM_READ, 5, f, null)).isSameAs(c);
        assertThat(c.end()).isEqualTo(44 * P);
        assertThat(c.pgoff()).isEqualTo(3);
        assertThat(t.mapRange(38 * P, 40 * P, VM_READ, 1, f, null)).as("before, pgoff 1..2 then 3").isSameAs(c);
        assertThat(c.start()).isEqualTo(38 * P);
        assertThat(c.pgoff()).isEqualTo(1);
        assertThat(t.mapRange(50 * P, 52 * P, VM_READ, 50, null, null).file()).isNull();
        assertThat(t.mapRange(52 * P, 54 * P, VM_READ, 52, f, null).start()).as("anon then file").isEqualTo(52 * P);
    }

    @Test
    void anonVmaCompatibility() {
        AnonVma x = new AnonVma(1);
        AnonVma y = new AnonVma(2);
        Vma a = anon(10, 20);
        a.setAnonVma(x);
        assertThat(anon(20, 30)).as("a new range (no anon_vma) joins a faulted prev").isSameAs(a);
        assertThat(a.anonVma()).isSameAs(x);

        Vma b = anon(40, 50);
        Vma moved = t.mapRange(50 * P, 55 * P, RW, 50, null, y);
        assertThat(moved).as("6.12: a range with an anon_vma does not join a prev without one (empty chain)").isNotSameAs(b);

        Vma c = anon(60, 70);
        c.setAnonVma(x);
        Vma d = anon(75, 80);
        d.setAnonVma(y);
        Vma mid = anon(70, 75);
        assertThat(mid).as("prev and next have different anon_vmas: only prev merges").isSameAs(c);
        assertThat(c.end()).isEqualTo(75 * P);
        assertThat(d.start()).isEqualTo(75 * P);

        Vma e = anon(100, 110);
        e.setAnonVma(x);
        Vma f = anon(115, 120);
        f.setAnonVma(x);
        assertThat(anon(110, 115)).as("same anon_vma: all three").isSameAs(e);
        assertThat(e.end()).isEqualTo(120 * P);
        assertThat(t.findVma(116 * P)).isSameAs(e);

        Vma g = anon(200, 210);
        Vma h = anon(215, 220);
        h.setAnonVma(y);
        assertThat(anon(210, 215)).as("prev has none, next has one: all three, next's anon_vma kept").isSameAs(g);
        assertThat(g.anonVma()).isSameAs(y);
        assertThat(g.end()).isEqualTo(220 * P);
    }

    @Test
    void splitBelowAndAbove() {
        VmFile f = new VmFile("/bin/cat", 8, 1, 7);
        Vma v = t.mapRange(10 * P, 20 * P, VM_READ, 100, f, null);
        Vma low = t.splitVma(v, 13 * P, true);
        assertThat(low.start()).isEqualTo(10 * P);
        assertThat(low.end()).isEqualTo(13 * P);
        assertThat(low.pgoff()).isEqualTo(100);
        assertThat(v.start()).isEqualTo(13 * P);
        assertThat(v.pgoff()).isEqualTo(103);
        Vma high = t.splitVma(v, 17 * P, false);
        assertThat(high.start()).isEqualTo(17 * P);
        assertThat(high.pgoff()).isEqualTo(107);
        assertThat(v.end()).isEqualTo(17 * P);
        assertThat(high.file()).isSameAs(f);
        assertThat(t.mapCount()).isEqualTo(3);
        assertThat(t.findVma(12 * P)).isSameAs(low);
        assertThat(t.findVma(15 * P)).isSameAs(v);
        assertThat(t.findVma(19 * P)).isSameAs(high);
        assertThatThrownBy(() -> t.splitVma(v, 13 * P, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.splitVma(v, 14 * P + 1, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isolateAMiddleRangeAndTheMapCountLimit() {
        Vma v = anon(10, 20);
        Vma mid = t.isolate(v, 12 * P, 15 * P);
        assertThat(mid.start()).isEqualTo(12 * P);
        assertThat(mid.end()).isEqualTo(15 * P);
        assertThat(mid.pgoff()).isEqualTo(12);
        assertThat(t.mapCount()).isEqualTo(3);
        assertThat(t.findVmaPrev(12 * P).end()).isEqualTo(12 * P);
        assertThat(t.next(mid).start()).isEqualTo(15 * P);
        assertThat(t.isolate(mid, 12 * P, 15 * P)).as("already exact: no split").isSameAs(mid);

        t.setMaxMapCount(3);
        assertThat(t.splitVma(mid, 13 * P, false)).as("-ENOMEM at vm.max_map_count").isNull();
        assertThat(t.mapCount()).isEqualTo(3);
        assertThat(mid.end()).isEqualTo(15 * P);
    }

    @Test
    void mappingOverAMappedRangeIsRefused() {
        anon(10, 20);
        assertThatThrownBy(() -> anon(19, 21)).isInstanceOf(IllegalArgumentException.class);
        assertThat(t.mapCount()).isEqualTo(1);
    }
}
