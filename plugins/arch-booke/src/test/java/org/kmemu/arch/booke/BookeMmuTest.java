package org.kmemu.arch.booke;

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
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.api.TlbModel;

/** TLB geometry, TLB1 CAMs, boot mappings and fault reports of the e500 spec. */
class BookeMmuTest {
    static final long MIB = 1L << 20;
    static final int RWXG = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.EXEC | PteFlags.GLOBAL;

    final BookeArchitecture arch = new BookeArchitecture();
    final ArchSpec spec = arch.configure(BookeArchitectureTest.config());

    KernelLayout layout(long ram) {
        return spec.layout(spec.defaultMemoryMap(ram));
    }

    @Test
    void tlbModelFromConfig() {
        // LAST_CONTEXT 255, no tlbilx on e500v1/v2 (mmu_context.c, tlb_low.S)
        assertThat(spec.tlbModel()).isEqualTo(new TlbModel(true, 128, 4, 16, 255, false));
        assertThat(spec.pgdSync()).isEqualTo(org.kmemu.api.PgdSync.KERNEL_ROOT_WALK);
        assertThat(spec.prepopulateUserRoot()).isFalse();
        ArchSpec v1 = arch.configure(BookeArchitectureTest.config("tlb0 { entries = 256, ways = 2 }"));
        assertThat(v1.tlbModel()).isEqualTo(new TlbModel(true, 128, 2, 16, 255, false));
        ArchSpec e500mc = arch.configure(BookeArchitectureTest.config("tlbilx = true"));
        assertThat(e500mc.tlbModel().flushContextOnly()).isTrue();
        assertThatThrownBy(() -> arch.configure(BookeArchitectureTest.config("context-ids = 0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("context-ids: 0 (expected: 1..65535");
        ArchSpec mc = arch.configure(BookeArchitectureTest.config("tlb1-entries = 64"));
        assertThat(mc.tlbModel().pinnedEntries()).isEqualTo(64);
        assertThatThrownBy(() -> arch.configure(BookeArchitectureTest.config("tlb0 { entries = 384, ways = 4 }")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("entries = 384, ways = 4 (expected");
        assertThatThrownBy(() -> arch.configure(BookeArchitectureTest.config("tlb1-entries = 2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("lowmem-cam-num: 3 (expected: at most tlb1-entries = 2");
    }

    @Test
    void cpuFeaturesAreNxOnly() {
        assertThat(spec.cpuFeatures()).containsExactly(CpuFeature.NX);
    }

    @Test
    void pinnedTranslationsFor768MiBAreThree256MiBCams() {
        List<KernelMapping> pins = spec.pinnedTranslations(layout(768 * MIB));
        assertThat(pins).containsExactly(
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 0", 0xc0000000L, 0, 256 * MIB, RWXG, 256 * MIB),
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 1", 0xd0000000L, 256 * MIB, 256 * MIB, RWXG, 256 * MIB),
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 2", 0xe0000000L, 512 * MIB, 256 * MIB, RWXG, 256 * MIB));
    }

    @Test
    void pinnedTranslationsFor100MiBLeaveTheTailUnmapped() {
        List<KernelMapping> pins = spec.pinnedTranslations(layout(100 * MIB));
        assertThat(pins).containsExactly(
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 0", 0xc0000000L, 0, 64 * MIB, RWXG, 64 * MIB),
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 1", 0xc4000000L, 64 * MIB, 16 * MIB, RWXG, 16 * MIB),
                new KernelMapping(Kind.DIRECT_MAP, "TLB1 CAM 2", 0xc5000000L, 80 * MIB, 16 * MIB, RWXG, 16 * MIB));
    }

    @Test
    void moreCamsThanTlb1EntriesIsAnError() {
        BookeOptions o = new BookeOptions(0xc0000000L, 0, 0xc0000000L, 768 * MIB, true, false, 32, 3, 4L << 30, 4, 16);
        BookeSpec s = new BookeSpec(o, new BookeMmuOptions(512, 4, 2, "QEMU e500"));
        assertThatThrownBy(() -> s.pinnedTranslations(s.layout(s.defaultMemoryMap(768 * MIB))))
                .isInstanceOf(IllegalStateException.class).hasMessage("TLB1 CAMs: 3 (expected: at most tlb1-entries = 2)");
    }

    @Test
    void kernelMappingsFor2GiB() {
        KernelLayout l = layout(2L << 30);
        var map = spec.defaultMemoryMap(2L << 30);
        List<KernelMapping> m = spec.kernelMappings(l, map, 0, 8 * MIB);
        int rwg = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL;
        // No lowmem PTEs: mapin_ram() starts where the TLB1 CAMs end, and they cover all of lowmem.
        assertThat(m).containsExactly(
                new KernelMapping(Kind.PKMAP, "pkmap", 0xff400000L, KernelMapping.TABLES_ONLY, 1024 * 4096L, rwg, 4096),
                new KernelMapping(Kind.FIXMAP, "fixmap", 0xffb9f000L, KernelMapping.TABLES_ONLY, 0x460000L, rwg, 4096));
    }

    @Test
    void kernelMappingsWithoutHighmemHaveNoPkmap() {
        BookeSpec s = new BookeSpec(BookeOptions.defaults(false, false));
        KernelLayout l = s.layout(s.defaultMemoryMap(64 * MIB));
        assertThat(s.kernelMappings(l, s.defaultMemoryMap(64 * MIB), 0, 8 * MIB))
                .extracting(KernelMapping::name).containsExactly("fixmap");
    }

    @Test
    void theTlb1EntriesCoverAllOfLowmemAndNothingElse() {
        for (long ram : new long[] {64 * MIB, 100 * MIB, 768 * MIB, 2L << 30}) {
            KernelLayout l = layout(ram);
            long next = l.pageOffset();
            for (KernelMapping pin : spec.pinnedTranslations(l)) {
                assertThat(pin.virt()).as("%d MiB: entries follow each other", ram >> 20).isEqualTo(next);
                assertThat(pin.phys()).isEqualTo(l.pa(pin.virt()));
                next += pin.size();
            }
            assertThat(next).as("%d MiB: high_memory", ram >> 20).isEqualTo(l.highMemory());
        }
    }

    @Test
    void aTlb1EntryIsDescribedWithTheFieldsOfTheE500Manual() {
        List<KernelMapping> pins = spec.pinnedTranslations(layout(768 * MIB));
        // settlbcam(): TSIZE = ilog2(256M) - 10 = 18; kernel address: SR SW SX; 4 CPUs: SMP, so M (coherent).
        assertThat(spec.describePinned(1, pins.get(1)))
                .isEqualTo("TLB1[1]: EPN 0xd0000000 RPN 0x10000000 TSIZE 18 (256 MiB) V IPROT TID 0 SR SW SX M");
        KernelMapping user = new KernelMapping(Kind.DIRECT_MAP, "user", 0x10000000L, 0x4000000L, 16 * MIB,
                PteFlags.USER | PteFlags.PRESENT, 16 * MIB);
        assertThat(spec.describePinned(5, user)).isEqualTo("TLB1[5]: EPN 0x10000000 RPN 0x04000000 TSIZE 14 (16 MiB) V IPROT TID 0 UR M");
    }

    PageFault fault(long addr, Access access, boolean user, boolean protection) {
        PageTableFormat f = spec.pageTableFormat(layout(768 * MIB));
        return new PageFault(addr, access, user, protection, protection ? "write to read-only" : "not present",
                1, new long[2], f);
    }

    @Test
    void kernelReadOfAnUnmappedVmallocAddress() {
        assertThat(spec.faultReport(fault(0xf1000000L, Access.READ, false, false))).containsExactly(
                "BUG: Unable to handle kernel data access on read at 0xf1000000",
                "Oops: Kernel access of bad area, sig: 11 [#1]",
                "BE PAGE_SIZE=4K SMP NR_CPUS=4 QEMU e500");
    }

    @Test
    void kernelWriteToAReadOnlyPage() {
        assertThat(spec.faultReport(fault(0xc0801000L, Access.WRITE, false, true)).get(0))
                .isEqualTo("BUG: Unable to handle kernel data access on write at 0xc0801000");
    }

    @Test
    void nullPointerDereference() {
        assertThat(spec.faultReport(fault(0x10, Access.READ, false, false)).get(0))
                .isEqualTo("BUG: Kernel NULL pointer dereference on read at 0x00000010");
        assertThat(spec.faultReport(fault(0, Access.EXECUTE, false, false))).startsWith(
                "BUG: Unable to handle kernel instruction fetch (NULL pointer?)",
                "Faulting instruction address: 0x00000000");
        assertThat(spec.faultReport(fault(0xf1000000L, Access.EXECUTE, false, false)).get(0))
                .isEqualTo("BUG: Unable to handle kernel instruction fetch");
    }

    @Test
    void userModeSegfault() {
        assertThat(spec.faultReport(fault(0x10000000L, Access.WRITE, true, false)))
                .containsExactly("?[?]: segfault (11) at 10000000 nip ? lr ? code 1");
        assertThat(spec.faultReport(fault(0xc0000000L, Access.READ, true, true)))
                .containsExactly("?[?]: segfault (11) at c0000000 nip ? lr ? code 2");
    }

    @Test
    void theErrorCodeIsTheEsrWithStOnAStore() {
        assertThat(spec.faultErrorCode(fault(0x10000000L, Access.WRITE, false, false))).isEqualTo(0x00800000);
        assertThat(spec.faultErrorCode(fault(0x10000000L, Access.WRITE, true, true))).isEqualTo(0x00800000);
        assertThat(spec.faultErrorCode(fault(0x10000000L, Access.READ, true, false))).isZero();
        assertThat(spec.faultErrorCode(fault(0x10000000L, Access.EXECUTE, false, true))).isZero();
    }

    @Test
    void uniprocessorBanner() {
        BookeOptions up = new BookeOptions(0xc0000000L, 0, 0xc0000000L, 768 * MIB, true, false, 32, 3, 4L << 30, 1, 16);
        BookeSpec s = new BookeSpec(up);
        assertThat(s.faultReport(fault(0xf1000000L, Access.READ, false, false)).get(2)).isEqualTo("BE PAGE_SIZE=4K QEMU e500");
    }

    @Test
    void formatFollowsPhys64() {
        assertThat(spec.pageTableFormat(layout(64 * MIB))).isInstanceOf(Pte85xxFormat.class);
        ArchSpec p64 = arch.configure(BookeArchitectureTest.config("phys-64bit = true"));
        assertThat(p64.pageTableFormat(p64.layout(p64.defaultMemoryMap(64 * MIB)))).isInstanceOf(PteE500Format.class);
    }
}
