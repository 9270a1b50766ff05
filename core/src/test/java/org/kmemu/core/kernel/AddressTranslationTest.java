package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.WalkReport;
import org.kmemu.core.testing.TestMachines;

class AddressTranslationTest {
    private static final Machine I386 = TestMachines.i386(2L << 30);
    private static final AddressTranslation T = KernelServices.addressTranslation(I386);

    @Property(tries = 300)
    void pageAddressVirtToPageAndTheTablesAgree(@ForAll @LongRange(min = 0x100, max = 0x37fff) long pfn) {
        long v = T.pageAddress(pfn);
        assertThat(T.virtToPage(v)).isEqualTo(pfn);
        assertThat(T.pageToVirt(pfn)).isEqualTo(v);
        assertThat(T.pa(v)).isEqualTo(pfn << 12);
        WalkReport w = I386.mmu().walk(I386.mmu().kernelTables().root(), v + 123);
        assertThat(w.physical()).isEqualTo((pfn << 12) + 123);
        assertThat(T.pfnToPage(T.pageToPfn(pfn))).isEqualTo(pfn);
    }

    @Test
    void highmemPagesHaveNoAddressUntilKmapped() {
        long high = I386.layout().maxLowPfn() + 10;
        assertThat(T.pageHighMem(high)).isTrue();
        assertThat(T.pageAddress(high)).isZero();
        assertThatThrownBy(() -> T.pageToVirt(high)).hasMessageContaining("is highmem");
        assertThatThrownBy(() -> T.virtToPage(I386.layout().vmallocStart()))
                .hasMessageContaining("virt_to_page").hasMessageContaining("use vmalloc_to_page or kmap");
        assertThat(T.virtAddrValid(I386.layout().vmallocStart())).isFalse();
        assertThatThrownBy(() -> T.pfnToPage(1L << 30)).hasMessageContaining("pfn_valid");
    }
}
