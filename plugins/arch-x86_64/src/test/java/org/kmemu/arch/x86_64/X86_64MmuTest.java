package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.KernelMapping.Kind;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/** The MMU side of the spec: boot mappings, CPU features, TLB, and the oops text of arch/x86/mm/fault.c. */
class X86_64MmuTest {
    private static final long PAGE_OFFSET = 0xffff888000000000L;

    private static ArchSpec spec(String... overrides) {
        return new X86_64Architecture().configure(X86_64ArchitectureTest.config(overrides));
    }

    @Test
    void directMapCoversRamButNotThePciHoleAndTheImageHasItsOwnMapping() {
        ArchSpec s = spec();
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(4L << 30));
        KernelLayout l = s.layout(map);
        List<KernelMapping> m = s.kernelMappings(l, map, 0x1000000L, 0x1000000L + (29L << 20) + 0x1000);
        int kernel = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.GLOBAL;
        assertThat(m).containsExactly(
                new KernelMapping(Kind.DIRECT_MAP, "direct map (ISA)", PAGE_OFFSET, 0, 1L << 20, kernel, 4096),
                new KernelMapping(Kind.DIRECT_MAP, "direct map", PAGE_OFFSET + (1L << 20), 1L << 20, (3L << 30) - (1L << 20), kernel, 1L << 30),
                new KernelMapping(Kind.DIRECT_MAP, "direct map", PAGE_OFFSET + (4L << 30), 4L << 30, 1L << 30, kernel, 1L << 30),
                new KernelMapping(Kind.KERNEL_IMAGE, "kernel text", 0xffffffff81000000L, 0x1000000L, 30L << 20, kernel | PteFlags.EXEC, 2L << 20));
    }

    @Test
    void withoutGbpagesTheDirectMapUses2MiBPagesAndPudLeavesAreReserved() {
        ArchSpec s = spec("gbpages = false");
        MemoryMap map = s.sanitizeFirmwareMap(s.defaultMemoryMap(1L << 30));
        KernelLayout l = s.layout(map);
        assertThat(s.kernelMappings(l, map, 0x1000000L, 0x2000000L).get(1).maxPageSize()).isEqualTo(2L << 20);
        assertThat(s.pageTableFormat(l).leafAllowed(1)).isFalse();
    }

    @Test
    void featuresAndTlbFromConfig() {
        assertThat(spec().cpuFeatures()).containsExactlyInAnyOrder(CpuFeature.NX, CpuFeature.SMEP, CpuFeature.SMAP);
        assertThat(spec("nx = false", "smap = false").cpuFeatures()).containsExactly(CpuFeature.SMEP);
        assertThat(spec().tlbModel().softwareRefill()).isFalse();
        assertThat(spec().tlbModel().entries()).isEqualTo(64);
        assertThat(spec("tlb.sets = 32", "tlb.ways = 8").tlbModel().entries()).isEqualTo(256);
        assertThatThrownBy(() -> spec("tlb.sets = 12")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kmemu.arch.x86_64.tlb.sets: 12 (expected: a power of two");
        assertThatThrownBy(() -> spec("tlb.ways = 0")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tlb.ways: 0 (expected");
    }

    @Test
    void theSecondLevelTlbIsSkylakesUnlessConfigured() {
        assertThat(spec().tlbModel().stlbEntries()).as("1536 entries").isEqualTo(1536);
        assertThat(spec().tlbModel().stlbWays()).isEqualTo(12);
        assertThat(spec("tlb.stlb.sets = 0", "tlb.stlb.ways = 0").tlbModel().stlbEntries()).as("none").isZero();
        assertThatThrownBy(() -> spec("tlb.stlb.sets = 100")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("kmemu.arch.x86_64.tlb.stlb.sets: 100 (expected: a power of two");
        assertThatThrownBy(() -> spec("tlb.stlb.ways = 0")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tlb.stlb.ways: 0 (expected");
    }

    // ---- fault reports --------------------------------------------------------------------------

    /** The #PF error code handed to the kernel's fault handler is the one the report prints. */
    @Test
    void theHandlersErrorCodeIsTheOnePushedByTheCpu() {
        ArchSpec s = spec();
        PageTableFormat f = s.pageTableFormat(s.layout(s.defaultMemoryMap(1L << 30)));
        PageFault kernelWrite = new PageFault(0x400000L, Access.WRITE, false, false, "test", 1, new long[f.levels()], f);
        PageFault userWriteProt = new PageFault(0x400000L, Access.WRITE, true, true, "test", 1, new long[f.levels()], f);
        PageFault userRead = new PageFault(0x400000L, Access.READ, true, false, "test", 1, new long[f.levels()], f);
        assertThat(s.faultErrorCode(kernelWrite)).as("X86_PF_WRITE").isEqualTo(0x2);
        assertThat(s.faultErrorCode(userWriteProt)).as("PROT | WRITE | USER").isEqualTo(0x7);
        assertThat(s.faultErrorCode(userRead)).as("X86_PF_USER").isEqualTo(0x4);
    }

    private static List<String> report(ArchSpec s, long address, Access access, boolean user, boolean protection,
                                       long... entries) {
        PageTableFormat f = s.pageTableFormat(s.layout(s.defaultMemoryMap(1L << 30)));
        long[] all = new long[f.levels()];
        System.arraycopy(entries, 0, all, 0, entries.length);
        return s.faultReport(new PageFault(address, access, user, protection, "test", entries.length, all, f));
    }

    @Test
    void notPresentKernelRead() {
        assertThat(report(spec(), 0xffffc90000a0b000L, Access.READ, false, false, 0x1e0c067L, 0x1e0d067L, 0))
                .containsExactly(
                        "BUG: unable to handle page fault for address: ffffc90000a0b000",
                        "#PF: supervisor read access in kernel mode",
                        "#PF: error_code(0x0000) - not-present page",
                        "PGD 1e0c067 P4D 1e0c067 PUD 1e0d067 PMD 0 ",
                        "Oops: Oops: 0000 [#1] SMP NOPTI",
                        "CR2: ffffc90000a0b000");
    }

    @Test
    void kernelWriteToReadOnlyPage() {
        assertThat(report(spec(), 0xffffffff82000010L, Access.WRITE, false, true,
                0x2a0e067L, 0x2a0f063L, 0x2a10063L, 0x8000000002000121L))
                .containsExactly(
                        "BUG: unable to handle page fault for address: ffffffff82000010",
                        "#PF: supervisor write access in kernel mode",
                        "#PF: error_code(0x0003) - permissions violation",
                        "PGD 2a0e067 P4D 2a0e067 PUD 2a0f063 PMD 2a10063 PTE 8000000002000121",
                        "Oops: Oops: 0003 [#1] SMP NOPTI",
                        "CR2: ffffffff82000010");
    }

    @Test
    void userReadOfASupervisorPage() {
        assertThat(report(spec(), 0xffff888000100000L, Access.READ, true, true, 0x2c01067L, 0x80000000000001e3L))
                .containsExactly(
                        "BUG: unable to handle page fault for address: ffff888000100000",
                        "#PF: user read access in user mode",
                        "#PF: error_code(0x0005) - permissions violation",
                        "PGD 2c01067 P4D 2c01067 PUD 80000000000001e3 ",
                        "Oops: Oops: 0005 [#1] SMP NOPTI",
                        "CR2: ffff888000100000");
    }

    @Test
    void instructionFetchFromAnNxPage() {
        assertThat(report(spec(), 0xffff888001000000L, Access.EXECUTE, false, true,
                0x2c01067L, 0x2c02067L, 0x80000000010001e3L))
                .containsExactly(
                        "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)",
                        "BUG: unable to handle page fault for address: ffff888001000000",
                        "#PF: supervisor instruction fetch in kernel mode",
                        "#PF: error_code(0x0011) - permissions violation",
                        "PGD 2c01067 P4D 2c01067 PUD 2c02067 PMD 80000000010001e3 ",
                        "Oops: Oops: 0011 [#1] SMP NOPTI",
                        "CR2: ffff888001000000");
    }

    @Test
    void smepStopsTheKernelExecutingAUserPage() {
        assertThat(report(spec(), 0x400000L, Access.EXECUTE, false, true, 0x3001067L, 0x3002067L, 0x3003067L, 0x4000025L))
                .startsWith("unable to execute userspace code (SMEP?) (uid: 0)",
                        "BUG: unable to handle page fault for address: 0000000000400000",
                        "#PF: supervisor instruction fetch in kernel mode",
                        "#PF: error_code(0x0011) - permissions violation",
                        "PGD 3001067 P4D 3001067 PUD 3002067 PMD 3003067 PTE 4000025");
    }

    @Test
    void instructionFetchBitNeedsNxOrSmep() {
        List<String> r = report(spec("nx = false", "smep = false"), 0x400000L, Access.EXECUTE, false, false, 0);
        assertThat(r.get(1)).isEqualTo("#PF: supervisor read access in kernel mode");
        assertThat(r.get(2)).isEqualTo("#PF: error_code(0x0000) - not-present page");
    }

    @Test
    void nullPointerAndReservedBits() {
        assertThat(report(spec(), 8, Access.READ, false, false, 0).subList(0, 4)).containsExactly(
                "BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "#PF: supervisor read access in kernel mode",
                "#PF: error_code(0x0000) - not-present page",
                "PGD 0 P4D 0 ");
        // PS in a PML4E: the walk stops there with RSVD
        assertThat(report(spec(), 0xffff888000000000L, Access.READ, false, false, 0x1e3L).get(2))
                .isEqualTo("#PF: error_code(0x0009) - reserved bit violation");
    }

    @Test
    void fiveLevelDumpHasItsOwnP4d() {
        assertThat(report(spec("levels = 5"), 0xffa0000000001000L, Access.WRITE, false, false, 0x1e0c067L, 0).get(3))
                .isEqualTo("PGD 1e0c067 P4D 0 ");
        assertThat(report(spec("levels = 5"), 0xffa0000000001000L, Access.WRITE, false, false, 0).get(3))
                .isEqualTo("PGD 0 ");
    }
}
