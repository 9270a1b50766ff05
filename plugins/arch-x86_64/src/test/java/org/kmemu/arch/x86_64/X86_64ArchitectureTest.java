package org.kmemu.arch.x86_64;

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
class X86_64ArchitectureTest {

    /** @return reference.conf under these HOCON overrides, e.g. {@code "levels = 5"} */
    static ConfigView config(String... overrides) {
        return PluginConfigs.of(X86_64Architecture.class, "kmemu.arch.x86_64", overrides);
    }

    @Test
    void defaultsConfigure() {
        ArchSpec s = new X86_64Architecture().configure(config());
        assertThat(s.id()).isEqualTo("x86_64");
        assertThat(((X86_64Spec) s).options()).isEqualTo(X86_64Options.defaults(4));
        assertThat(s.layout(s.defaultMemoryMap(1L << 30)).fixaddrStart()).isEqualTo(0xffffffffff577000L);
    }

    @Test
    void fiveLevels() {
        ArchSpec s = new X86_64Architecture().configure(config("levels = 5"));
        assertThat(s.virtAddressBits()).isEqualTo(57);
    }

    @Test
    void badValues() {
        X86_64Architecture a = new X86_64Architecture();
        assertThatThrownBy(() -> a.configure(config("levels = 3")))
                .isInstanceOf(ConfigException.class).hasMessage("test overrides: 1: kmemu.arch.x86_64.levels: 3 (expected: 4, or 5 for LA57)");
        assertThatThrownBy(() -> a.configure(config("struct-page-bytes = 60")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("struct-page-bytes: 60 (expected");
        assertThatThrownBy(() -> a.configure(config("physical-start = \"0x1001000\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("CONFIG_PHYSICAL_ALIGN");
        assertThatThrownBy(() -> a.configure(config("physical-start = \"0x20000000\"")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KERNEL_IMAGE_SIZE");
        assertThatThrownBy(() -> a.configure(config("fixmap.max-io-apics = 0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-io-apics: 0");
        assertThatThrownBy(() -> a.configure(config("fixmap.max-io-apics = 1024")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MODULES_END");
    }

    @Test
    void relocatedImage() {
        ArchSpec s = new X86_64Architecture().configure(config("physical-start = \"0x200000\""));
        assertThat(s.kernelLoadAddress()).isEqualTo(0x200000L);
        assertThat(s.layout(s.defaultMemoryMap(1L << 30)).kernelImageVa(0x200000L)).isEqualTo(0xffffffff80200000L);
    }

    @Test
    void isAnExtensionWithAnIdleConstructor() throws Exception {
        assertThat(X86_64Architecture.class.isAnnotationPresent(Extension.class)).isTrue();
        assertThat(Modifier.isPublic(X86_64Architecture.class.getConstructor().getModifiers())).isTrue();
    }
}
