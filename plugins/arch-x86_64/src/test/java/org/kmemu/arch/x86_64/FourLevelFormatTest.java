package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.PteFlags;

/** One test per field of the x86_64 entry (arch/x86/include/asm/pgtable_types.h), and the level rules. */
class FourLevelFormatTest {
    private static final int PGD = 0;
    private static final int PUD = 1;
    private static final int PMD = 2;
    private static final int PTE = 3;

    private final FourLevelFormat f = new FourLevelFormat(true, true);

    @Test
    void geometry() {
        assertThat(f.levels()).isEqualTo(4);
        assertThat(f.entryBytes()).isEqualTo(8);
        for (int l = 0; l < 4; l++) {
            assertThat(f.indexBits(l)).isEqualTo(9);
            assertThat(f.indexShift(l)).isEqualTo(39 - 9 * l);
        }
        assertThat(new String[] {f.levelName(0), f.levelName(1), f.levelName(2), f.levelName(3)})
                .containsExactly("PGD", "PUD", "PMD", "PTE");
        assertThat(f.leafAllowed(PGD)).isFalse();
        assertThat(f.leafAllowed(PUD)).isTrue();
        assertThat(f.leafAllowed(PMD)).isTrue();
        assertThat(f.leafAllowed(PTE)).isTrue();
        assertThat(new FourLevelFormat(false, true).leafAllowed(PUD)).as("1 GiB leaves need gbpages").isFalse();
    }

    @Test
    void present() {
        assertThat(f.decode(0x1000L, PTE)).isZero();
        assertThat(f.decode(0x1001L, PTE) & PteFlags.PRESENT).isNotZero();
        assertThat(f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT) & 1).isEqualTo(1);
        assertThat(f.describe(0x1000L, PTE)).isEqualTo("not present");
    }

    @Test
    void readWrite() {
        assertThat(f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.WRITE) & 0xfff).isEqualTo(0x003);
        assertThat(f.decode(0x1003L, PTE) & PteFlags.WRITE).isNotZero();
        assertThat(f.decode(0x1001L, PTE) & PteFlags.WRITE).isZero();
    }

    @Test
    void userSupervisor() {
        assertThat(f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.USER) & 0xfff).isEqualTo(0x005);
        assertThat(f.decode(0x1005L, PTE) & PteFlags.USER).isNotZero();
        assertThat(f.describe(0x1005L, PTE)).isEqualTo("P USR");
    }

    @Test
    void writeThroughAndCacheDisable() {
        long e = f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.WRITE_THROUGH | PteFlags.NO_CACHE);
        assertThat(e & 0x18).isEqualTo(0x18);
        assertThat(f.decode(0x1009L, PTE) & (PteFlags.WRITE_THROUGH | PteFlags.NO_CACHE)).isEqualTo(PteFlags.WRITE_THROUGH);
        assertThat(f.decode(0x1011L, PTE) & (PteFlags.WRITE_THROUGH | PteFlags.NO_CACHE)).isEqualTo(PteFlags.NO_CACHE);
    }

    @Test
    void specialIsSoftwareBit9OfAPteOnly() {
        // _PAGE_SPECIAL = _PAGE_BIT_SOFTW1 (arch/x86/include/asm/pgtable_types.h): pte_mkspecial, 4 KiB PTEs only
        long e = f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.USER | PteFlags.SPECIAL);
        assertThat(e & 0x200).isEqualTo(0x200);
        assertThat(f.decode(e, PTE) & PteFlags.SPECIAL).isEqualTo(PteFlags.SPECIAL);
        assertThat(f.decode(e & ~0x200L, PTE) & PteFlags.SPECIAL).isZero();
        assertThat(f.describe(e, PTE)).endsWith("SPECIAL NX");
        assertThat(f.encodeLeaf(0x200000, 2, PteFlags.PRESENT | PteFlags.SPECIAL) & 0x200).as("no special PMD leaf").isZero();
    }

    @Test
    void accessedAndDirty() {
        long e = f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.EXEC);
        assertThat(f.decode(e, PTE) & (PteFlags.ACCESSED | PteFlags.DIRTY)).isZero();
        long a = f.withFlags(e, PTE, PteFlags.ACCESSED);
        assertThat(a).isEqualTo(e | 0x20);
        long d = f.withFlags(a, PTE, PteFlags.DIRTY);
        assertThat(d).isEqualTo(e | 0x60);
        assertThat(f.decode(d, PTE) & (PteFlags.ACCESSED | PteFlags.DIRTY)).isEqualTo(PteFlags.ACCESSED | PteFlags.DIRTY);
        // D means nothing in a table entry (SDM: ignored), so it does not decode there.
        assertThat(f.decode(0x1063L, PMD) & PteFlags.DIRTY).isZero();
    }

    @Test
    void pseMakesLargeLeavesAtPudAndPmdAndIsPatInAPte() {
        long pmd = f.encodeLeaf(0x200000, PMD, PteFlags.PRESENT | PteFlags.WRITE);
        assertThat(pmd & 0x80).isEqualTo(0x80);
        assertThat(f.decode(pmd, PMD) & PteFlags.HUGE).isNotZero();
        long pud = f.encodeLeaf(0x40000000L, PUD, PteFlags.PRESENT);
        assertThat(f.decode(pud, PUD) & PteFlags.HUGE).isNotZero();
        assertThat(f.address(pud | 0x1000, PUD)).as("bit 12 of a large leaf is PAT").isEqualTo(0x40000000L);
        // bit 7 of a PTE is PAT: no HUGE
        assertThat(f.decode(0x1081L, PTE) & PteFlags.HUGE).isZero();
        assertThat(f.describe(0x1081L, PTE)).isEqualTo("P PAT");
        assertThat(f.describe(0x201081L, PMD)).isEqualTo("P PSE PAT");
    }

    @Test
    void pseWhereNoLeafMaySitIsAReservedBit() {
        assertThat(f.decode(0x1081L, PGD)).as("PS in a PML4E").isZero();
        assertThat(f.hasReservedBits(0x1081L, PGD)).isTrue();
        FourLevelFormat noGb = new FourLevelFormat(false, true);
        assertThat(noGb.hasReservedBits(0x40000081L, PUD)).as("1 GiB leaf without gbpages").isTrue();
        assertThatThrownBy(() -> noGb.encodeLeaf(0x40000000L, PUD, PteFlags.PRESENT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void global() {
        long e = f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT | PteFlags.GLOBAL);
        assertThat(e & 0x100).isEqualTo(0x100);
        assertThat(f.decode(e, PTE) & PteFlags.GLOBAL).isNotZero();
        assertThat(f.decode(0x1101L, PMD) & PteFlags.GLOBAL).as("ignored in a table entry").isZero();
    }

    @Test
    void noExecuteIsBit63() {
        long nx = f.encodeLeaf(0x1000, PTE, PteFlags.PRESENT);
        assertThat(nx).isEqualTo(0x8000000000001001L);
        assertThat(f.decode(nx, PTE) & PteFlags.EXEC).isZero();
        assertThat(f.decode(0x1001L, PTE) & PteFlags.EXEC).isNotZero();
        assertThat(f.describe(nx, PTE)).isEqualTo("P NX");
        FourLevelFormat noNx = new FourLevelFormat(true, false);
        assertThat(noNx.encodeLeaf(0x1000, PTE, PteFlags.PRESENT)).as("no NX without EFER.NXE").isEqualTo(0x1001L);
        assertThat(noNx.decode(0x1001L, PTE) & PteFlags.EXEC).isNotZero();
        assertThat(noNx.hasReservedBits(nx, PTE)).as("NX is reserved without EFER.NXE").isTrue();
    }

    @Test
    void addressBits() {
        long top = 0x000ffffffffff000L;
        assertThat(f.address(f.encodeLeaf(top, PTE, PteFlags.PRESENT), PTE)).isEqualTo(top);
        assertThat(f.address(0xfff0_0000_0000_0fffL | 0x1234000L, PTE)).as("bits 62..52 and 11..0 are not address")
                .isEqualTo(0x1234000L);
        assertThat(f.address(f.encodeLeaf(0x7fe00000L, PMD, PteFlags.PRESENT), PMD)).isEqualTo(0x7fe00000L);
        assertThatThrownBy(() -> f.encodeLeaf(0x1000, PMD, PteFlags.PRESENT)).as("2 MiB leaf not aligned")
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
        assertThatThrownBy(() -> f.encodeTable(1L << 52, PMD, PteFlags.PRESENT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tablesAreKernpgOrPageTable() {
        assertThat(f.encodeTable(0x1e0c000L, PGD, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER)).isEqualTo(0x1e0c067L);
        assertThat(f.encodeTable(0x1e0c000L, PMD, PteFlags.PRESENT | PteFlags.WRITE)).isEqualTo(0x1e0c063L);
        assertThat(f.decode(0x1e0c063L, PMD)).as("a table entry never carries NX")
                .isEqualTo(PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.EXEC);
        assertThat(f.address(0x1e0c067L, PGD)).isEqualTo(0x1e0c000L);
        assertThatThrownBy(() -> f.encodeTable(0x1000, PTE, PteFlags.PRESENT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void kernelLeafDescribedByKernelNames() {
        long e = f.encodeLeaf(0x1000000L, PMD, X86_64Spec.PAGE_KERNEL | PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH | PteFlags.USER);
        assertThat(f.describe(e, PMD)).isEqualTo("P RW USR PWT PCD A D PSE G NX");
        assertThat(Long.toHexString(f.encodeLeaf(0x1000000L, PMD, X86_64Spec.PAGE_KERNEL_EXEC))).isEqualTo("10001e3");
    }

    @Test
    void fiveLevelAddsP4dBelowThePgd() {
        FiveLevelFormat five = new FiveLevelFormat(true, true);
        assertThat(five.levels()).isEqualTo(5);
        assertThat(five.levelName(1)).isEqualTo("P4D");
        assertThat(five.indexShift(0)).isEqualTo(48);
        assertThat(five.indexShift(1)).isEqualTo(39);
        assertThat(five.leafAllowed(1)).isFalse();
        assertThat(five.leafAllowed(2)).isTrue();
        assertThat(five.hasReservedBits(0x1081L, 1)).isTrue();
        assertThat(five.address(five.encodeLeaf(0x40000000L, 2, PteFlags.PRESENT), 2)).isEqualTo(0x40000000L);
    }
}
