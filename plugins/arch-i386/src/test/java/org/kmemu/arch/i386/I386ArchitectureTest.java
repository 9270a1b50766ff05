package org.kmemu.arch.i386;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.tck.PluginConfigs;

/** configure() over reference.conf through the core's ConfigView. */
class I386ArchitectureTest {
    private final I386Architecture arch = new I386Architecture();

    /** @return reference.conf under these HOCON overrides, e.g. {@code "pae = true"} */
    static ConfigView config(String... overrides) {
        return PluginConfigs.of(I386Architecture.class, "kmemu.arch.i386", overrides);
    }

    @Test
    void idAndExtensionIndex() throws Exception {
        assertThat(arch.id()).isEqualTo("i386");
        assertThat(arch.description()).isNotBlank();
        assertThat(I386Architecture.class.isAnnotationPresent(org.pf4j.Extension.class)).isTrue();
    }

    @Test
    void referenceDefaultsGiveTheDocumentedMachine() {
        I386Spec spec = (I386Spec) arch.configure(config());
        assertThat(spec.options()).isEqualTo(Machines.defaults());
    }

    @Test
    void everyKeyIsRead() {
        ArchSpec spec = arch.configure(config(
                "pae = true", "vmsplit = 2g-opt", "layout = Classic", "vmalloc-reserve = 192M",
                "highmem = false", "nr-cpus = 4", "struct-page-bytes = 40"));
        I386Options o = ((I386Spec) spec).options();
        assertThat(o).isEqualTo(new I386Options(true, VmSplit.VMSPLIT_2G_OPT, LayoutGeneration.CLASSIC,
                192L << 20, false, 4, 40));
    }

    @Test
    void vmallocBootParameterAddsTheGuardGap() {
        I386Spec spec = (I386Spec) arch.configure(config("vmalloc = 256M"));
        assertThat(spec.options().vmallocReserveBytes()).isEqualTo((256L + 8) << 20);
    }

    @Test
    void badVmsplitNamesTheKeyAndTheChoices() {
        assertThatThrownBy(() -> arch.configure(config("vmsplit = 4G")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("test overrides: 1: kmemu.arch.i386.vmsplit: 4G"
                        + " (expected: one of 3G, 3G_OPT, 2G, 2G_OPT, 1G)");
    }

    @Test
    void badLayoutAndCpuCount() {
        assertThatThrownBy(() -> arch.configure(config("layout = modern")))
                .hasMessageEndingWith("kmemu.arch.i386.layout: modern (expected: current, legacy or classic)");
        assertThatThrownBy(() -> arch.configure(config("nr-cpus = 0")))
                .hasMessageContaining("kmemu.arch.i386.nr-cpus: 0 (expected: 1 to 64");
    }

    @Test
    void aReserveTooLargeForTheSplitIsAConfigError() {
        assertThatThrownBy(() -> arch.configure(config("vmalloc-reserve = 1000M")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("kmemu.arch.i386.vmalloc-reserve: MAXMEM: ");
        assertThatThrownBy(() -> arch.configure(config("vmalloc = 0")))
                .hasMessageContaining("kmemu.arch.i386.vmalloc: 0 (expected: a positive size");
        assertThatThrownBy(() -> arch.configure(config("layout = classic", "vmalloc = 8M")))
                .hasMessageContaining("kmemu.arch.i386.vmalloc: mem_init: BUG_ON(VMALLOC_START >= VMALLOC_END)");
    }
}
