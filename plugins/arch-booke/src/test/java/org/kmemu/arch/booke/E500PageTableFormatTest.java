package org.kmemu.arch.booke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kmemu.api.PteFlags.ACCESSED;
import static org.kmemu.api.PteFlags.DIRTY;
import static org.kmemu.api.PteFlags.EXEC;
import static org.kmemu.api.PteFlags.GLOBAL;
import static org.kmemu.api.PteFlags.GUARDED;
import static org.kmemu.api.PteFlags.NO_CACHE;
import static org.kmemu.api.PteFlags.PRESENT;
import static org.kmemu.api.PteFlags.SPECIAL;
import static org.kmemu.api.PteFlags.USER;
import static org.kmemu.api.PteFlags.WRITE;
import static org.kmemu.api.PteFlags.WRITE_THROUGH;

import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelLayout;

/** The two e500 page-table formats: geometry, the PGD's virtual address, and every PTE field. */
class E500PageTableFormatTest {
    static final long MIB = 1L << 20;
    static final long USER_VA = 0x10000000L;
    static final long KERNEL_VA = 0xf1000000L;

    static KernelLayout layout(boolean phys64) {
        BookeSpec s = new BookeSpec(BookeOptions.defaults(true, phys64));
        return s.layout(s.defaultMemoryMap(1L << 30));
    }

    final Pte85xxFormat f32 = new Pte85xxFormat(layout(false), true);
    final PteE500Format f64 = new PteE500Format(layout(true), true);

    @Test
    void geometry() {
        assertThat(f32.levels()).isEqualTo(2);
        assertThat(f32.entryBytes()).isEqualTo(4);
        assertThat(f32.indexShift(0)).isEqualTo(22); // PGDIR_SHIFT
        assertThat(f32.indexBits(0)).isEqualTo(10); // 1024-entry pgdir
        assertThat(f32.indexBits(1)).isEqualTo(10); // 1024 PTEs
        assertThat(f64.entryBytes()).isEqualTo(8);
        assertThat(f64.indexShift(0)).isEqualTo(21);
        assertThat(f64.indexBits(0)).isEqualTo(11); // 2048 x 8 bytes = 16 KiB PGD
        assertThat(f64.indexBits(1)).isEqualTo(9); // 512 PTEs
        assertThat(f32.levelName(0)).isEqualTo("PGD");
        assertThat(f32.levelName(1)).isEqualTo("PTE");
        assertThat(f32.leafAllowed(0)).isFalse();
        assertThat(f32.leafAllowed(1)).isTrue();
        assertThatThrownBy(() -> f32.encodeLeaf(0, 0, PRESENT)).hasMessageContaining("level: 0");
        assertThatThrownBy(() -> f32.encodeTable(0x1000, 1, PRESENT)).hasMessageContaining("level: 1");
    }

    @Test
    void pgdEntryHoldsTheKernelVirtualAddressOfThePtePage() {
        for (E500PageTableFormat f : new E500PageTableFormat[] {f32, f64}) {
            long e = f.encodeTable(0x123000L, 0, PRESENT | WRITE);
            assertThat(e).isEqualTo(0xc0123000L); // __va
            assertThat(f.address(e, 0)).isEqualTo(0x123000L); // __pa
            assertThat(f.decode(e, 0)).isEqualTo(PRESENT | WRITE | USER | EXEC);
            assertThat(f.decode(0, 0)).isZero();
            assertThat(f.describe(e, 0)).isEqualTo("PTE page at 0xc0123000 (virtual; __pa 0x123000)");
            assertThat(f.describe(0, 0)).isEqualTo("not present");
            // a PTE page must be lowmem: highmem has no __va
            assertThatThrownBy(() -> f.encodeTable(0x38000000L, 0, PRESENT)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void pte85xxBitsOneByOne() {
        long page = 0x12345000L;
        assertThat(f32.encodeLeaf(page, 1, PRESENT)).isEqualTo(page | 0x002 | 0x001 | 0x100); // PRESENT READ COHERENT
        assertThat(f32.encodeLeaf(page, 1, PRESENT | WRITE) & 0xfff).isEqualTo(0x107);
        assertThat(f32.encodeLeaf(page, 1, PRESENT | EXEC) & 0x010).isEqualTo(0x010);
        assertThat(f32.encodeLeaf(page, 1, PRESENT | ACCESSED) & 0x020).isEqualTo(0x020);
        assertThat(f32.encodeLeaf(page, 1, PRESENT | DIRTY) & 0x008).isEqualTo(0x008);
        assertThat(f32.encodeLeaf(page, 1, PRESENT | NO_CACHE) & 0xfff).isEqualTo(0x203); // I, no M (ioremap_wc)
        assertThat(f32.encodeLeaf(page, 1, PRESENT | NO_CACHE | GUARDED) & 0xfff).isEqualTo(0x283); // I and G (ioremap)
        assertThat(f32.encodeLeaf(page, 1, PRESENT | WRITE_THROUGH) & 0x400).isEqualTo(0x400);
        assertThat(f32.encodeLeaf(page, 1, PRESENT | USER | GLOBAL)).isEqualTo(f32.encodeLeaf(page, 1, PRESENT));
        assertThat(f32.address(f32.encodeLeaf(page, 1, PRESENT), 1)).isEqualTo(page);

        assertThat(f32.decode(page | 0x003, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL);
        assertThat(f32.decode(page | 0x003, 1, USER_VA)).isEqualTo(PRESENT | USER);
        assertThat(f32.decode(page | 0x007, 1, USER_VA)).isEqualTo(PRESENT | USER | WRITE);
        assertThat(f32.decode(page | 0x00b, 1, USER_VA)).isEqualTo(PRESENT | USER | DIRTY);
        assertThat(f32.decode(page | 0x013, 1, USER_VA)).isEqualTo(PRESENT | USER | EXEC);
        assertThat(f32.decode(page | 0x023, 1, USER_VA)).isEqualTo(PRESENT | USER | ACCESSED);
        assertThat(f32.decode(page | 0x203, 1, USER_VA)).isEqualTo(PRESENT | USER | NO_CACHE);
        assertThat(f32.decode(page | 0x403, 1, USER_VA)).isEqualTo(PRESENT | USER | WRITE_THROUGH);
        assertThat(f32.decode(page | 0x083, 1, USER_VA)).isEqualTo(PRESENT | USER | GUARDED);
        assertThat(f32.decode(page | 0x002, 1, USER_VA)).as("PROT_NONE: no _PAGE_READ").isZero();
        assertThat(f32.decode(page | 0x001, 1, USER_VA)).as("no _PAGE_PRESENT").isZero();
        assertThat(f32.decode(page | 0x003, 1)).as("address-free: kernel view").isEqualTo(PRESENT | GLOBAL);
    }

    @Test
    void specialIsTheSoftwareBitOfEachFormat() {
        // _PAGE_SPECIAL: 0x800 in pte-85xx.h, _PAGE_SW0 0x2000 in pte-e500.h
        long page = 0x5000L;
        long e32 = f32.encodeLeaf(page, 1, PRESENT | USER | SPECIAL);
        assertThat(e32 & 0x800).isEqualTo(0x800);
        assertThat(f32.decode(e32, 1, USER_VA) & SPECIAL).isEqualTo(SPECIAL);
        assertThat(f32.decode(e32 & ~0x800L, 1, USER_VA) & SPECIAL).isZero();
        long e64 = f64.encodeLeaf(page, 1, PRESENT | USER | SPECIAL);
        assertThat(e64 & 0x2000).isEqualTo(0x2000);
        assertThat(f64.decode(e64, 1, USER_VA) & SPECIAL).isEqualTo(SPECIAL);
        assertThat(f64.describe(e64, 1)).contains("SPECIAL");
    }

    @Test
    void pageKernelAndPageSharedDifferOnlyByDirty() {
        // asm/pgtable-masks.h with _PAGE_BASE = PRESENT | ACCESSED | COHERENT
        long pageKernel = 0x1000L | 0x002 | 0x020 | 0x100 | 0x001 | 0x004 | 0x008;
        long pageShared = 0x1000L | 0x002 | 0x020 | 0x100 | 0x001 | 0x004;
        assertThat(f32.decode(pageKernel, 1, KERNEL_VA)).isEqualTo(PRESENT | WRITE | ACCESSED | DIRTY | GLOBAL);
        assertThat(f32.decode(pageShared, 1, USER_VA)).isEqualTo(PRESENT | WRITE | ACCESSED | USER);
        assertThat(f32.describe(pageKernel, 1)).isEqualTo("0x00001000 PRESENT READ WRITE DIRTY ACCESSED COHERENT");
        assertThat(f32.describe(0, 1)).isEqualTo("not present");
    }

    @Test
    void withFlagsSetsAccessedAndDirty() {
        long e = f32.encodeLeaf(0x5000, 1, PRESENT | WRITE);
        assertThat(f32.withFlags(e, 1, ACCESSED)).isEqualTo(e | 0x020);
        assertThat(f32.withFlags(e, 1, ACCESSED | DIRTY)).isEqualTo(e | 0x028);
        long g = f64.encodeLeaf(0x5000, 1, PRESENT | WRITE);
        assertThat(f64.withFlags(g, 1, ACCESSED | DIRTY)).isEqualTo(g | 0x41000);
    }

    @Test
    void pteE500BitsOneByOne() {
        long page = 0x9_2345_6000L; // above 4 GiB: 36-bit RPN
        long base = (page >>> 12) << 24;
        assertThat(f64.encodeLeaf(page, 1, PRESENT)).isEqualTo(base | 0x1 | 0x4 | 0x100 | 0x200000); // P SR TSIZE_4K M
        assertThat(f64.address(base | 0x5, 1)).isEqualTo(page);
        // kernel: BAP_SW, BAP_SX
        assertThat(f64.encodeLeaf(page, 1, PRESENT | WRITE | EXEC) & 0xff).isEqualTo(0x1 | 0x4 | 0x10 | 0x40);
        // user: _PAGE_READ = SR|UR, _PAGE_WRITE = SW|UW, exec = UX only
        assertThat(f64.encodeLeaf(page, 1, PRESENT | USER | WRITE | EXEC) & 0xff)
                .isEqualTo(0x1 | 0x4 | 0x8 | 0x10 | 0x20 | 0x80);
        assertThat(f64.encodeLeaf(page, 1, PRESENT | DIRTY) & 0x1000).isEqualTo(0x1000);
        assertThat(f64.encodeLeaf(page, 1, PRESENT | ACCESSED) & 0x40000).isEqualTo(0x40000);
        assertThat(f64.encodeLeaf(page, 1, PRESENT | NO_CACHE) & 0xf00000).isEqualTo(0x400000); // I, no M
        assertThat(f64.encodeLeaf(page, 1, PRESENT | NO_CACHE | GUARDED) & 0xf00000).isEqualTo(0x500000); // I G
        assertThat(f64.encodeLeaf(page, 1, PRESENT | WRITE_THROUGH) & 0x800000).isEqualTo(0x800000);

        assertThat(f64.decode(base | 0x05, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL);
        assertThat(f64.decode(base | 0x0d, 1, USER_VA)).isEqualTo(PRESENT | USER);
        assertThat(f64.decode(base | 0x15, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | WRITE);
        assertThat(f64.decode(base | 0x45, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | EXEC);
        assertThat(f64.decode(base | 0x4d, 1, USER_VA)).as("SX alone does not let the user execute")
                .isEqualTo(PRESENT | USER);
        assertThat(f64.decode(base | 0x8d, 1, USER_VA)).isEqualTo(PRESENT | USER | EXEC);
        assertThat(f64.decode(base | 0x1005, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | DIRTY);
        assertThat(f64.decode(base | 0x40005, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | ACCESSED);
        assertThat(f64.decode(base | 0x400005, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | NO_CACHE);
        assertThat(f64.decode(base | 0x800005, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | WRITE_THROUGH);
        assertThat(f64.decode(base | 0x100005, 1, KERNEL_VA)).isEqualTo(PRESENT | GLOBAL | GUARDED);
        assertThat(f64.decode(base | 0x01, 1, USER_VA)).as("no BAP_SR").isZero();
        assertThat(f64.decode(base | 0x0d, 1)).as("address-free user page").isEqualTo(PRESENT | USER);
        assertThat(f64.decode(base | 0x05, 1)).as("address-free kernel page").isEqualTo(PRESENT | GLOBAL);
        assertThat(f64.describe(base | 0x1015 | 0x100, 1)).isEqualTo("0x923456000 PRESENT BAP_SR BAP_SW DIRTY TSIZE_4K");
    }

    @Test
    void physicalLimits() {
        assertThatThrownBy(() -> f32.encodeLeaf(1L << 32, 1, PRESENT)).hasMessageContaining("phys-64bit");
        assertThatThrownBy(() -> f64.encodeLeaf(1L << 36, 1, PRESENT)).hasMessageContaining("2^36");
        assertThatThrownBy(() -> f32.encodeLeaf(0x1001, 1, PRESENT)).hasMessageContaining("page-aligned");
    }
}
