package org.kmemu.arch.booke;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Modifier;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.junit.jupiter.api.Test;
import org.kmemu.tck.PluginConfigs;
import org.pf4j.Extension;

/** configure(): the thin reading step and its validation, over reference.conf through the core's ConfigView. */
class BookeArchitectureTest {
    final BookeArchitecture arch = new BookeArchitecture();

    /** @return reference.conf under these HOCON overrides, e.g. {@code "lowmem-size = 1G"} */
    static ConfigView config(String... overrides) {
        return PluginConfigs.of(BookeArchitecture.class, "kmemu.arch.booke", overrides);
    }

    @Test
    void defaultsConfigure() {
        ArchSpec s = arch.configure(config());
        assertThat(((BookeSpec) s).options()).isEqualTo(BookeOptions.defaults(true, false));
        assertThat(s.description()).contains("HIGHMEM").contains("0xc0000000");
        // e500v2's 32-byte cache line (arch/powerpc/include/asm/cache.h); kmalloc still starts at 8.
        assertThat(s.cacheLineBytes()).isEqualTo(32);
        assertThat(s.kmallocMinSize()).isEqualTo(8);
    }

    @Test
    void badValues() {
        assertThatThrownBy(() -> arch.configure(config("lowmem-size = 1G")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("test overrides: 1: kmemu.arch.booke.lowmem-size: 0x40000000 (expected: page-aligned, at most "
                        + "0xf0000000 - kernelbase = 0x30000000)");
        assertThatThrownBy(() -> arch.configure(config("task-size = \"0xd0000000\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("task-size: 0xd0000000 (expected");
        assertThatThrownBy(() -> arch.configure(config("kernelbase = \"0xf0000000\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kernelbase");
        assertThatThrownBy(() -> arch.configure(config("physical-start = \"0x100000000\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("physical-start");
        assertThatThrownBy(() -> arch.configure(config("tlbcam-max-size = 512M")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("power of 4");
        assertThatThrownBy(() -> arch.configure(config("lowmem-cam-num = 0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("lowmem-cam-num: 0");
        assertThatThrownBy(() -> arch.configure(config("nr-cpus = 0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nr-cpus: 0");
    }

    @Test
    void aLowerKernelbaseAllowsMoreLowmem() {
        String lower = "kernelbase = \"0xb0000000\", task-size = \"0xb0000000\", lowmem-size = 1G";
        ArchSpec s = arch.configure(config(lower));
        // 0xb0000000 is only 256 MiB aligned: three 256 MiB CAMs cover 768 MiB of the allowed 1 GiB
        assertThat(s.layout(s.defaultMemoryMap(2L << 30)).maxLowPfn()).isEqualTo(0x30000);
        s = arch.configure(config(lower, "lowmem-cam-num = 4"));
        var l = s.layout(s.defaultMemoryMap(2L << 30));
        assertThat(l.maxLowPfn()).isEqualTo(0x40000);
        assertThat(l.highMemory()).isEqualTo(0xf0000000L);
        assertThat(l.taskSize()).isEqualTo(0xb0000000L);
    }

    @Test
    void phys64() {
        ArchSpec s = arch.configure(config("phys-64bit = true"));
        assertThat(s.physAddressBits()).isEqualTo(36);
    }

    @Test
    void isAnExtensionWithAnIdleConstructor() throws Exception {
        assertThat(BookeArchitecture.class.isAnnotationPresent(Extension.class)).isTrue();
        assertThat(Modifier.isPublic(BookeArchitecture.class.getConstructor().getModifiers())).isTrue();
        assertThat(arch.id()).isEqualTo("booke");
    }
}
