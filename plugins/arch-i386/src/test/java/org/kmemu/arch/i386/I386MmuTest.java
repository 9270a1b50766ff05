package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.KernelMapping.Kind;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.tck.PluginConfigs;

/** The i386 formats field by field, the boot mappings, features and the 32-bit oops text. */
class I386MmuTest {
    private static final int KERNEL_EXEC = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY
            | PteFlags.GLOBAL | PteFlags.EXEC;

    private static ArchSpec spec(String... overrides) {
        ConfigView c = PluginConfigs.of(I386Architecture.class, "kmemu.arch.i386", overrides);
        return new I386Architecture().configure(c);
    }

    // ---- 2-level ---------------------------------------------------------------------------------

    @Test
    void twoLevelGeometryAndFields() {
        TwoLevelFormat f = new TwoLevelFormat(true);
        assertThat(f.levels()).isEqualTo(2);
        assertThat(f.entryBytes()).isEqualTo(4);
        assertThat(f.indexShift(0)).isEqualTo(22);
        assertThat(f.indexBits(0)).isEqualTo(10);
        assertThat(f.indexBits(1)).isEqualTo(10);
        assertThat(f.leafAllowed(0)).isTrue();
        assertThat(new TwoLevelFormat(false).leafAllowed(0)).isFalse();
        // present, RW, U/S, PWT, PCD, A, D, G
        long e = f.encodeLeaf(0xfffff000L, 1, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.WRITE_THROUGH
                | PteFlags.NO_CACHE | PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.GLOBAL);
        assertThat(e).isEqualTo(0xfffff17fL);
        assertThat(f.describe(e, 1)).isEqualTo("P RW USR PWT PCD A D G");
        assertThat(f.decode(e, 1)).isEqualTo(PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.WRITE_THROUGH
                | PteFlags.NO_CACHE | PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.GLOBAL | PteFlags.EXEC);
        assertThat(f.address(e, 1)).isEqualTo(0xfffff000L);
        assertThat(f.decode(0x1000L, 1)).isZero();
    }

    @Test
    void twoLevelHasNoNxAndEveryPageExecutes() {
        TwoLevelFormat f = new TwoLevelFormat(true);
        long e = f.encodeLeaf(0x1000, 1, PteFlags.PRESENT);
        assertThat(e).as("no bit 63 in a 4-byte entry").isEqualTo(0x1001L);
        assertThat(f.decode(e, 1) & PteFlags.EXEC).isNotZero();
    }

    @Test
    void twoLevelPse4MiBLeaf() {
        TwoLevelFormat f = new TwoLevelFormat(true);
        long e = f.encodeLeaf(0x00c00000L, 0, KERNEL_EXEC);
        assertThat(e).isEqualTo(0x00c001e3L);
        assertThat(f.decode(e, 0) & PteFlags.HUGE).isNotZero();
        assertThat(f.address(e | 0x1000, 0)).as("bit 12 is PAT").isEqualTo(0x00c00000L);
        assertThat(f.describe(e, 0)).isEqualTo("P RW A D PSE G");
        assertThatThrownBy(() -> f.encodeLeaf(0x00200000L, 0, KERNEL_EXEC)).isInstanceOf(IllegalArgumentException.class);
        TwoLevelFormat noPse = new TwoLevelFormat(false);
        assertThat(noPse.decode(e, 0) & PteFlags.HUGE).as("PS ignored with CR4.PSE off").isZero();
        assertThat(noPse.address(e, 0)).isEqualTo(0x00c00000L);
        assertThat(f.encodeTable(0x1234000L, 0, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER)).isEqualTo(0x1234067L);
    }

    // ---- PAE -------------------------------------------------------------------------------------

    @Test
    void paePdptHasOnlyPresent() {
        PaeFormat f = new PaeFormat(true);
        assertThat(f.levels()).isEqualTo(3);
        assertThat(f.indexBits(0)).isEqualTo(2);
        assertThat(f.indexShift(0)).isEqualTo(30);
        assertThat(f.indexShift(1)).isEqualTo(21);
        long pdpte = f.encodeTable(0x1a2b000L, 0, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER);
        assertThat(pdpte).as("RW and U/S are reserved in a PDPTE").isEqualTo(0x1a2b001L);
        assertThat(f.decode(pdpte, 0)).isEqualTo(PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER | PteFlags.EXEC);
        assertThat(f.withFlags(pdpte, 0, PteFlags.ACCESSED)).as("no accessed bit in a PDPTE").isEqualTo(pdpte);
        assertThat(f.hasReservedBits(0x1a2b067L, 0)).isTrue();
        assertThat(f.decode(0x1a2b067L, 0)).isZero();
        assertThat(f.leafAllowed(0)).isFalse();
        assertThat(f.describe(pdpte, 0)).isEqualTo("P");
    }

    @Test
    void paeLeavesNxAndAddressBits() {
        PaeFormat f = new PaeFormat(true);
        long pte = f.encodeLeaf(0xfffffff000L, 2, PteFlags.PRESENT | PteFlags.WRITE);
        assertThat(pte).isEqualTo(0x800000fffffff003L);
        assertThat(f.decode(pte, 2) & PteFlags.EXEC).isZero();
        assertThat(f.address(pte, 2)).isEqualTo(0xfffffff000L);
        assertThat(f.describe(pte, 2)).isEqualTo("P RW NX");
        long pmd = f.encodeLeaf(0x200000L, 1, KERNEL_EXEC);
        assertThat(pmd).isEqualTo(0x2001e3L);
        assertThat(f.decode(pmd, 1) & PteFlags.HUGE).isNotZero();
        PaeFormat noNx = new PaeFormat(false);
        assertThat(noNx.encodeLeaf(0x1000, 2, PteFlags.PRESENT)).isEqualTo(0x1001L);
        assertThat(noNx.hasReservedBits(pte, 2)).isTrue();
    }

    // ---- spec ------------------------------------------------------------------------------------

    @Test
    void nxNeedsPae() {
        assertThatThrownBy(() -> spec("nx = true")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kmemu.arch.i386.nx: true (expected: false without PAE");
        assertThat(spec("pae = true", "nx = true").cpuFeatures()).containsExactly(CpuFeature.NX);
        assertThat(spec("smep = true", "smap = true").cpuFeatures()).containsExactlyInAnyOrder(CpuFeature.SMEP, CpuFeature.SMAP);
        assertThat(spec().cpuFeatures()).isEmpty();
        assertThat(spec().tlbModel().entries()).isEqualTo(64);
        assertThat(spec().pageTableFormat(null)).isInstanceOf(TwoLevelFormat.class);
    }

    @Test
    void directMapIsLowmemOnlyWithPkmapAndFixmapTables() {
        ArchSpec s = spec();
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(2L << 30));
        KernelLayout l = s.layout(map);
        List<KernelMapping> m = s.kernelMappings(l, map, 0x1000000L, 0x1800000L);
        long lowEnd = l.maxLowPfn() << 12;
        assertThat(m.get(0)).isEqualTo(new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0000000L, 0, 1L << 20, KERNEL_EXEC, 4096));
        assertThat(m.get(1)).isEqualTo(new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0100000L, 1L << 20, (4L << 20) - (1L << 20),
                KERNEL_EXEC, 4096));
        assertThat(m.get(2)).isEqualTo(new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0400000L, 4L << 20, lowEnd - (4L << 20),
                KERNEL_EXEC, 4L << 20));
        assertThat(m.get(3)).isEqualTo(new KernelMapping(Kind.PKMAP, "pkmap", l.pkmapBase(), KernelMapping.TABLES_ONLY, 1024 * 4096L,
                KERNEL_EXEC, 4096));
        KernelMapping fix = m.get(4);
        assertThat(fix.name()).isEqualTo("fixmap");
        assertThat(fix.phys()).isEqualTo(KernelMapping.TABLES_ONLY);
        assertThat(fix.virt() + fix.size()).isEqualTo(1L << 32);
        assertThat(fix.virt()).isLessThanOrEqualTo(l.fixaddrStart());
        assertThat(m).hasSize(5);
        assertThat(lowEnd).as("lowmem only: highmem is not in the direct map").isLessThan(2L << 30);
    }

    @Test
    void withNxOnlyTheKernelTextIsExecutable() {
        ArchSpec s = spec("pae = true", "nx = true");
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(512L << 20));
        KernelLayout l = s.layout(map);
        List<KernelMapping> m = s.kernelMappings(l, map, 0x1000000L, 0x1a00000L);
        int kernel = KERNEL_EXEC & ~PteFlags.EXEC;
        assertThat(m.subList(0, 5)).containsExactly(
                new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0000000L, 0, 1L << 20, kernel, 4096),
                new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0100000L, 1L << 20, 1L << 20, kernel, 4096),
                new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc0200000L, 2L << 20, 14L << 20, kernel, 2L << 20),
                new KernelMapping(Kind.DIRECT_MAP, "direct map (kernel text)", 0xc1000000L, 16L << 20, 10L << 20, KERNEL_EXEC, 2L << 20),
                new KernelMapping(Kind.DIRECT_MAP, "direct map", 0xc1a00000L, 26L << 20, (l.maxLowPfn() << 12) - (26L << 20), kernel, 2L << 20));
    }

    // ---- fault reports --------------------------------------------------------------------------

    /** The #PF error code handed to the kernel's fault handler is the one the report prints. */
    @Test
    void theHandlersErrorCodeIsTheOnePushedByTheCpu() {
        ArchSpec s = spec();
        PageTableFormat f = s.pageTableFormat(null);
        PageFault kernelWrite = new PageFault(0x08048000L, Access.WRITE, false, false, "test", 1, new long[f.levels()], f);
        PageFault userWriteProt = new PageFault(0x08048000L, Access.WRITE, true, true, "test", 1, new long[f.levels()], f);
        PageFault userRead = new PageFault(0x08048000L, Access.READ, true, false, "test", 1, new long[f.levels()], f);
        assertThat(s.faultErrorCode(kernelWrite)).as("X86_PF_WRITE").isEqualTo(0x2);
        assertThat(s.faultErrorCode(userWriteProt)).as("PROT | WRITE | USER").isEqualTo(0x7);
        assertThat(s.faultErrorCode(userRead)).as("X86_PF_USER").isEqualTo(0x4);
    }

    private static List<String> report(ArchSpec s, long address, Access access, boolean user, boolean protection,
                                       long... entries) {
        PageTableFormat f = s.pageTableFormat(null);
        long[] all = new long[f.levels()];
        System.arraycopy(entries, 0, all, 0, entries.length);
        return s.faultReport(new PageFault(address, access, user, protection, "test", entries.length, all, f));
    }

    @Test
    void twoLevelReports() {
        assertThat(report(spec(), 0xf8a00000L, Access.READ, false, false, 0x3701067L, 0)).containsExactly(
                "BUG: unable to handle page fault for address: f8a00000",
                "#PF: supervisor read access in kernel mode",
                "#PF: error_code(0x0000) - not-present page",
                "*pde = 03701067 *pte = 00000000 ",
                "Oops: Oops: 0000 [#1] SMP",
                "CR2: 00000000f8a00000");
        assertThat(report(spec(), 0xc0100000L, Access.WRITE, true, true, 0x000001e3L)).containsSubsequence(
                "#PF: user write access in user mode",
                "#PF: error_code(0x0007) - permissions violation",
                "*pde = 000001e3 ");
        // no NX, no SMEP: the CPU does not report instruction fetches
        assertThat(report(spec(), 0xc0100000L, Access.EXECUTE, false, false, 0).get(1))
                .isEqualTo("#PF: supervisor read access in kernel mode");
    }

    @Test
    void paeReports() {
        ArchSpec s = spec("pae = true", "nx = true");
        assertThat(report(s, 0xc1a00000L, Access.EXECUTE, false, true, 0x1a2b001L, 0x80000000018001e3L)).containsExactly(
                "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)",
                "BUG: unable to handle page fault for address: c1a00000",
                "#PF: supervisor instruction fetch in kernel mode",
                "#PF: error_code(0x0011) - permissions violation",
                "*pdpt = 0000000001a2b001 *pde = 80000000018001e3 ",
                "Oops: Oops: 0011 [#1] SMP",
                "CR2: 00000000c1a00000");
        assertThat(report(s, 0x08048000L, Access.READ, false, false, 0x1a2b001L, 0x1a2c067L, 0).get(3))
                .isEqualTo("*pdpt = 0000000001a2b001 *pde = 0000000001a2c067 *pte = 0000000000000000 ");
    }
}
