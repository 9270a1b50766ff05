package com.example.kmemu.riscv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.PteFlags;

/** One test per field of the Sv39 entry (RISC-V privileged spec; arch/riscv/include/asm/pgtable-bits.h) and per level rule. */
class Sv39FormatTest {
    private static final int PGD = 0;
    private static final int PMD = 1;
    private static final int PTE = 2;

    private final Sv39Format f = new Sv39Format();

    @Test
    void threeLevelsOf512EightByteEntriesIndexedByVpn2To0() {
        assertThat(f.levels()).isEqualTo(3);
        assertThat(f.entryBytes()).isEqualTo(8);
        assertThat(new int[] {f.indexShift(PGD), f.indexShift(PMD), f.indexShift(PTE)}).containsExactly(30, 21, 12);
        for (int l = 0; l < 3; l++) {
            assertThat(f.indexBits(l)).isEqualTo(9);
            assertThat(f.leafAllowed(l)).as("a leaf may appear at level %d", l).isTrue();
        }
        assertThat(new String[] {f.levelName(PGD), f.levelName(PMD), f.levelName(PTE)}).containsExactly("PGD", "PMD", "PTE");
    }

    @Test
    void validBitZeroMakesAnyEntryInvalid() {
        long everythingButV = 0x3ffffffffffffeL;
        for (int l = 0; l < 3; l++) {
            assertThat(f.decode(everythingButV, l)).isZero();
        }
        assertThat(f.describe(0x80000000L >>> 2, PTE)).isEqualTo("not present");
        assertThat(f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT) & 1).isEqualTo(1);
        assertThat(f.encodeLeaf(0x1000, PTE, 0) & 1).as("no PRESENT, no V").isZero();
    }

    @Test
    void bitPositionsAreTheSpecs() {
        long e = f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.EXEC | PteFlags.USER | PteFlags.GLOBAL
                | PteFlags.ACCESSED | PteFlags.DIRTY);
        // D A G U X W R V = bits 7..0, all set
        assertThat(e).isEqualTo(0xffL);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT)).as("V and R: every leaf Linux makes is readable").isEqualTo(0x3L);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.WRITE)).isEqualTo(0x7L);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.EXEC)).isEqualTo(0xbL);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.USER)).isEqualTo(0x13L);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.GLOBAL)).isEqualTo(0x23L);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.ACCESSED)).isEqualTo(0x43L);
        assertThat(f.encodeLeaf(0, PTE, PteFlags.PRESENT | PteFlags.DIRTY)).isEqualTo(0x83L);
    }

    @Test
    void decodeReadsEachPermissionBit() {
        assertThat(f.decode(0x07L, PTE)).isEqualTo(PteFlags.PRESENT | PteFlags.WRITE);
        assertThat(f.decode(0x0bL, PTE)).isEqualTo(PteFlags.PRESENT | PteFlags.EXEC);
        assertThat(f.decode(0x13L, PTE)).isEqualTo(PteFlags.PRESENT | PteFlags.USER);
        assertThat(f.decode(0x23L, PTE)).isEqualTo(PteFlags.PRESENT | PteFlags.GLOBAL);
        assertThat(f.decode(0xc3L, PTE)).isEqualTo(PteFlags.PRESENT | PteFlags.ACCESSED | PteFlags.DIRTY);
    }

    /** _PAGE_KERNEL (pgtable.h) = R W V A D G = 0xe7, the linear map's leaves. */
    @Test
    void pageKernelEncodesAsLinuxsConstant() {
        assertThat(f.encodeLeaf(0x80200000L, PMD, Riscv64Spec.PAGE_KERNEL) & 0x3ff).isEqualTo(0xe7);
        assertThat(f.encodeLeaf(0x80200000L, PMD, Riscv64Spec.PAGE_KERNEL_EXEC) & 0x3ff).isEqualTo(0xef);
    }

    @Test
    void ppnSitsInBits53To10() {
        long page = 0x00ff_ffff_ffff_f000L; // the highest 4 KiB page of the 56-bit physical space
        long e = f.encodeLeaf(page, PTE, PteFlags.PRESENT);
        assertThat(e >>> 10).isEqualTo(page >>> 12);
        assertThat(e >>> 54).as("bits 63..54 (N, PBMT, reserved) stay clear").isZero();
        assertThat(f.address(e, PTE)).isEqualTo(page);
        assertThat(f.address(0x2008_0000L | 0x1L, PMD)).as("PPN 0x80200 is phys 0x80200000").isEqualTo(0x80200000L);
        assertThatThrownBy(() -> f.encodeLeaf(1L << 56, PTE, PteFlags.PRESENT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2^56");
    }

    @Test
    void pointerEntriesHaveNoRwxAndRestrictNothing() {
        long table = f.encodeTable(0x81234000L, PGD, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER);
        assertThat(table).as("PAGE_TABLE is _PAGE_PRESENT only; U is reserved in a pointer").isEqualTo((0x81234L << 10) | 1);
        int d = f.decode(table, PGD);
        assertThat(d & PteFlags.HUGE).isZero();
        assertThat(d & (PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC)).as("the leaf decides the permissions")
                .isEqualTo(PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC);
        assertThat(f.address(table, PGD)).isEqualTo(0x81234000L);
        assertThat(f.describe(table, PMD)).isEqualTo("V -> table");
        assertThatThrownBy(() -> f.encodeTable(0x1000, PTE, PteFlags.PRESENT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPointerAtTheLastLevelIsInvalid() {
        assertThat(f.decode((0x81234L << 10) | 1, PTE)).isZero();
    }

    @Test
    void leavesAboveThePteAreGigapagesAndMegapages() {
        long giga = f.encodeLeaf(0xc0000000L, PGD, Riscv64Spec.PAGE_KERNEL);
        long mega = f.encodeLeaf(0x80200000L, PMD, Riscv64Spec.PAGE_KERNEL);
        assertThat(f.decode(giga, PGD) & PteFlags.HUGE).isNotZero();
        assertThat(f.decode(mega, PMD) & PteFlags.HUGE).isNotZero();
        assertThat(f.decode(f.encodeLeaf(0x80201000L, PTE, Riscv64Spec.PAGE_KERNEL), PTE) & PteFlags.HUGE).isZero();
        assertThat(f.describe(giga, PGD)).isEqualTo("V R W G A D 1G leaf");
        assertThat(f.describe(mega, PMD)).isEqualTo("V R W G A D 2M leaf");
    }

    @Test
    void aMisalignedSuperpageFaults() {
        long megaAtOddPpn = (0x80201L << 10) | 0xe7; // PPN[0] != 0 in a PMD leaf
        assertThat(f.decode(megaAtOddPpn, PMD)).isZero();
        assertThat(f.describe(megaAtOddPpn, PMD)).endsWith("(invalid: misaligned superpage)");
        long gigaAtMegaPpn = (0x80200L << 10) | 0xe7; // PPN[1] != 0 in a PGD leaf
        assertThat(f.decode(gigaAtMegaPpn, PGD)).isZero();
        assertThat(f.decode(gigaAtMegaPpn, PMD)).as("the same PPN is a fine megapage").isNotZero();
        assertThatThrownBy(() -> f.encodeLeaf(0x80200000L, PGD, PteFlags.PRESENT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1048576 KiB aligned");
    }

    @Test
    void writeWithoutReadIsReserved() {
        assertThat(f.decode(0x5L, PTE)).isZero();
        assertThat(f.describe(0x5L, PTE)).endsWith("(invalid: W without R is reserved)");
    }

    @Test
    void hardwareSetsAccessedAndDirtyOnly() {
        long e = f.encodeLeaf(0x80000000L, PTE, PteFlags.PRESENT | PteFlags.WRITE);
        long touched = f.withFlags(e, PTE, PteFlags.ACCESSED | PteFlags.DIRTY);
        assertThat(touched ^ e).isEqualTo(0xc0L);
        assertThat(f.withFlags(e, PTE, PteFlags.ACCESSED) ^ e).isEqualTo(0x40L);
    }
}
