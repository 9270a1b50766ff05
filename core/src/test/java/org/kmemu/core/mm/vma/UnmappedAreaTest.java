package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.vma.VmFlags.*;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Errno;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class UnmappedAreaTest {
    private static final long P = 4096;
    private static final long MB = 1L << 20;
    /** i386's 3G/1G split with the 128 MiB gap and TASK_SIZE / 3. */
    private static final MmapLayout I386 = new MmapLayout(0xc0000000L, 0xb8000000L, 0x40000000L, 4096, 12);

    private final VmaTree t = new VmaTree(12);

    @Test
    void layoutFromTheArch() {
        Machine x64 = TestMachines.x86_64(64 * MB);
        MmapLayout l = MmapLayout.of("x86_64", x64.layout(), 12);
        assertThat(l.taskSize()).isEqualTo(0x7ffffffff000L);
        assertThat(l.mmapBase()).as("where a non-ASLR x86_64 ld.so sits").isEqualTo(0x7ffff7fff000L);
        assertThat(l.unmappedBase()).isEqualTo(0x2aaaaaaab000L);
        Machine i386 = TestMachines.i386(64 * MB);
        assertThat(MmapLayout.of("i386", i386.layout(), 12)).isEqualTo(I386);
        MmapLayout booke = MmapLayout.of("booke", i386.layout(), 12);
        assertThat(booke.mmapBase()).isEqualTo(0xb8000000L);
        assertThat(booke.unmappedBase()).as("powerpc TASK_SIZE / 8 * 3").isEqualTo(0x48000000L);
    }

    @Test
    void topDownBelowMmapBaseAndIntoTheHighestHole() {
        long a = UnmappedArea.get(t, I386, 0, 3 * P, false);
        assertThat(a).isEqualTo(0xb8000000L - 3 * P);
        t.mapRange(a, a + 3 * P, VM_READ, a >>> 12, null, null);
        long b = UnmappedArea.get(t, I386, 0, 5000, false);
        assertThat(b).as("rounded to 2 pages, right below").isEqualTo(a - 2 * P);
        t.mapRange(b, b + 2 * P, VM_READ | VM_EXEC, b >>> 12, null, null);
        // a 1-page hole between two VMAs lower down
        long c = 0xa0000000L;
        t.mapRange(c, c + P, VM_READ, 0, null, null);
        t.mapRange(c + 2 * P, c + 3 * P, VM_READ, 0, null, null);
        // the hole under b is big (down to c + 3P), so a page goes right under b, not into c's hole
        assertThat(UnmappedArea.get(t, I386, 0, P, false)).isEqualTo(b - P);
    }

    @Test
    void hintIsTakenWhenFreeAndItsGuardGapsAllowIt() {
        t.mapRange(0x10000000L, 0x10010000L, VM_READ, 0, null, null);
        assertThat(UnmappedArea.get(t, I386, 0x20000001L, P, false)).as("aligned up").isEqualTo(0x20001000L);
        assertThat(UnmappedArea.get(t, I386, 0x1000f000L, P, false)).as("taken: top-down instead")
                .isEqualTo(0xb8000000L - P);
        long stack = 0x30000000L;
        t.mapRange(stack, stack + 16 * P, VM_READ | VM_WRITE | VM_GROWSDOWN, 0, null, null);
        assertThat(UnmappedArea.get(t, I386, stack - 2 * P, P, false)).as("inside the stack's guard gap")
                .isNotEqualTo(stack - 2 * P);
        assertThat(UnmappedArea.get(t, I386, stack - 257 * P, P, false)).isEqualTo(stack - 257 * P);
        assertThat(UnmappedArea.get(t, I386, 0x800, P, false)).as("aligned up to mmap_min_addr").isEqualTo(0x1000L);
        MmapLayout minAddr64k = new MmapLayout(0xc0000000L, 0xb8000000L, 0x40000000L, 0x10000, 12);
        assertThat(UnmappedArea.get(t, minAddr64k, 0x1000, P, false)).as("below mmap_min_addr").isEqualTo(0xb8000000L - P);
    }

    @Test
    void topDownKeepsTheStackGuardGap() {
        long stackTop = 0xb8000000L;
        long stack = stackTop - 16 * P;
        t.mapRange(stack, stackTop, VM_READ | VM_WRITE | VM_GROWSDOWN, 0, null, null);
        assertThat(UnmappedArea.get(t, I386, 0, P, false)).isEqualTo(stack - 256 * P - P);
    }

    @Test
    void fallsBackBottomUpThenFails() {
        MmapLayout tiny = new MmapLayout(0xc0000000L, 0x00010000L, 0x40000000L, 4096, 12);
        assertThat(UnmappedArea.get(t, tiny, 0, 0x20000L, false)).as("no room below mmap_base: TASK_UNMAPPED_BASE")
                .isEqualTo(0x40000000L);
        t.mapRange(0x40000000L, 0x40020000L, VM_READ, 0, null, null);
        assertThat(UnmappedArea.get(t, tiny, 0, 0x20000L, false)).isEqualTo(0x40020000L);
        assertThat(UnmappedArea.get(t, tiny, 0, 0xc0000000L, false)).isEqualTo(-Errno.ENOMEM);
        assertThat(UnmappedArea.get(t, tiny, 0, 0x90000000L, false)).as("above TASK_UNMAPPED_BASE's room")
                .isEqualTo(-Errno.ENOMEM);
    }

    @Test
    void mapFixed() {
        assertThat(UnmappedArea.get(t, I386, 0x1234, P, true)).isEqualTo(-Errno.EINVAL);
        assertThat(UnmappedArea.get(t, I386, 0x12340000L, P, true)).isEqualTo(0x12340000L);
        assertThat(UnmappedArea.get(t, I386, 0xbffff000L, 2 * P, true)).isEqualTo(-Errno.ENOMEM);
        assertThat(UnmappedArea.get(t, I386, 0xbffff800L, 2 * P, true)).as("-ENOMEM before -EINVAL").isEqualTo(-Errno.ENOMEM);
    }
}
