package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.trace.TraceBuffer;

class PageApiTest {
    private final Machine m = TestMachines.i386(2L << 30);
    private final TraceBuffer trace = new TraceBuffer(1000, m.cpus());
    private final PageApi pages = KernelServices.pageApi(m, trace);
    private final Cpu cpu = m.mmu().cpu(0);

    @Test
    void getFreePagesGivesADirectMappedAddressOfLowmem() {
        long v = pages.getFreePages(cpu, Gfp.GFP_KERNEL, 1);
        assertThat(v).isNotZero();
        long pfn = KernelServices.addressTranslation(m).virtToPage(v);
        assertThat(pfn).isLessThan(m.layout().maxLowPfn());
        cpu.store64(v + 4096 + 8, 77);
        assertThat(m.memory().readLong((pfn << 12) + 4096 + 8)).isEqualTo(77);
        long free = m.nrFreePages();
        pages.freePagesVirt(cpu, v, 1);
        assertThat(m.nrFreePages()).isEqualTo(free + 2);
        pages.freePagesVirt(cpu, 0, 3);
    }

    @Test
    void getFreePagesRefusesHighmemWithTheKernelsBugReport() {
        assertThatThrownBy(() -> pages.getFreePages(cpu, Gfp.GFP_HIGHUSER, 0)).isInstanceOf(KernelBugException.class)
                .hasMessageContaining("kernel BUG at mm/page_alloc.c (__get_free_pages)!")
                .hasMessageContaining("VM_BUG_ON((gfp_mask & __GFP_HIGHMEM) != 0)");
        assertThat(m.log().texts()).contains("------------[ cut here ]------------");
        assertThatThrownBy(() -> pages.freePagesVirt(cpu, m.layout().vmallocStart(), 0))
                .hasMessageContaining("VM_BUG_ON(!virt_addr_valid((void *)addr))");
    }

    @Test
    void highmemPagesComeFromAllocPagesAndHaveNoAddress() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN).isGreaterThanOrEqualTo(m.layout().maxLowPfn());
        assertThat(pages.pageAddress(pfn)).isZero();
        pages.freePages(cpu, pfn, 0);
    }

    @Test
    void aFreePagesWordIsTheAllocatorsAndReadsAsNoMappingButABadPageStillDumpsItsMapping() {
        long pfn = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        long anon = org.kmemu.core.mm.MappingWord.of(5, org.kmemu.core.mm.MappingWord.PAGE_MAPPING_ANON, 0x7f1234567L);
        pages.setPageMapping(pfn, anon);
        assertThat(pages.pageAnon(pfn)).isTrue();
        pages.setPageMapping(pfn, 0);
        pages.putPage(cpu, pfn);
        // The test allocator marks a free block's word, as the buddy's list links fill it.
        assertThat(m.pageFrames().word(pfn)).as("the allocator's word").isNotZero();
        assertThat(m.pageAllocator().isFreePage(pfn)).isTrue();
        assertThat(pages.pageMappingWord(pfn)).isZero();
        assertThat(pages.pageAnon(pfn)).isFalse();
        assertThat(pages.dumpPage(pfn).get(0)).contains("mapping:00000000 index:0x0 ");

        long again = pages.allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThat(again).as("first fit: the same page").isEqualTo(pfn);
        assertThat(m.pageFrames().word(pfn)).as("handed out with the word 0").isZero();
        long cached = org.kmemu.core.mm.MappingWord.of(5, 0, 0x7f1234567L);
        pages.setPageMapping(pfn, cached);
        pages.putPage(cpu, pfn); // still in a page cache: "Bad page state", leaked, and the dump shows the mapping
        assertThat(m.log().texts()).anyMatch(l -> l.startsWith("BUG: Bad page state"))
                .anyMatch(l -> l.contains("mapping:00000014 index:0x7f1234567 "))
                .contains("page dumped because: non-NULL mapping");
    }

    @Test
    void zeroedPagesAreZeroInRam() {
        long v = pages.getFreePages(cpu, Gfp.GFP_KERNEL, 0);
        cpu.store64(v + 16, -1);
        pages.freePagesVirt(cpu, v, 0);
        long z = pages.getZeroedPage(cpu, Gfp.GFP_KERNEL);
        for (int off = 0; off < 4096; off += 8) {
            assertThat(cpu.load64(z + off)).isZero();
        }
    }

    @Test
    void freeingAReservedPageIsABadPageAndIsIgnored() {
        long kernelPfn = m.kernelImage().textStart() >>> 12;
        long free = m.nrFreePages();
        pages.freePages(cpu, kernelPfn, 0);
        assertThat(m.nrFreePages()).isEqualTo(free);
        assertThat(m.log().texts()).anySatisfy(l -> assertThat(l).startsWith("BUG: Bad page state in process swapper/0  pfn:"));
    }

    @Test
    void allocationsAndFreesAreTracedInFtracesFormat() {
        trace.setEnabled(true);
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 2);
        pages.freePages(cpu, pfn, 2);
        assertThat(trace.events()).hasSize(2);
        assertThat(trace.events().get(0)).matches("       swapper/0-0     \\[000\\] \\.\\.\\.\\.     0\\.000000: mm_page_alloc: "
                + "page=[0-9a-f]+ pfn=0x" + Long.toHexString(pfn) + " order=2 migratetype=0 gfp_flags=GFP_KERNEL\\|__GFP_ZERO");
        assertThat(trace.events().get(1)).endsWith("mm_page_free: page=" + trace.events().get(0).replaceAll(".*page=([0-9a-f]+).*", "$1")
                + " pfn=0x" + Long.toHexString(pfn) + " order=2");
        assertThat(trace.render()).startsWith("# tracer: nop\n#\n# entries-in-buffer/entries-written: 2/2   #P:2\n")
                .contains("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n");
        trace.setEnabled(false);
        pages.freePages(cpu, pages.allocPages(cpu, Gfp.GFP_KERNEL, 0), 0);
        assertThat(trace.events()).hasSize(2);
    }
}
