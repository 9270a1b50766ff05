package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.ConfigException;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

/** configure(): the thin reading step and its validation. */
class X86_64ArchitectureTest {

    @Test
    void defaultsConfigure() {
        ArchSpec s = new X86_64Architecture().configure(new MapConfigView("kmemu.arch.x86_64", MapConfigView.defaults()));
        assertThat(s.id()).isEqualTo("x86_64");
        assertThat(((X86_64Spec) s).options()).isEqualTo(X86_64Options.defaults(4));
        assertThat(s.layout(s.defaultMemoryMap(1L << 30)).fixaddrStart()).isEqualTo(0xffffffffff577000L);
    }

    @Test
    void fiveLevels() {
        ArchSpec s = new X86_64Architecture().configure(MapConfigView.with("levels", 5));
        assertThat(s.virtAddressBits()).isEqualTo(57);
    }

    @Test
    void badValues() {
        X86_64Architecture a = new X86_64Architecture();
        assertThatThrownBy(() -> a.configure(MapConfigView.with("levels", 3)))
                .isInstanceOf(ConfigException.class).hasMessage("test: kmemu.arch.x86_64.levels: 3 (expected: 4, or 5 for LA57)");
        assertThatThrownBy(() -> a.configure(MapConfigView.with("struct-page-bytes", 60)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("struct-page-bytes: 60 (expected");
        assertThatThrownBy(() -> a.configure(MapConfigView.with("physical-start", "0x1001000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("CONFIG_PHYSICAL_ALIGN");
        assertThatThrownBy(() -> a.configure(MapConfigView.with("physical-start", "0x20000000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("KERNEL_IMAGE_SIZE");
        assertThatThrownBy(() -> a.configure(MapConfigView.with("fixmap.max-io-apics", 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-io-apics: 0");
        assertThatThrownBy(() -> a.configure(MapConfigView.with("fixmap.max-io-apics", 1024)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MODULES_END");
    }

    @Test
    void relocatedImage() {
        ArchSpec s = new X86_64Architecture().configure(MapConfigView.with("physical-start", "0x200000"));
        assertThat(s.kernelLoadAddress()).isEqualTo(0x200000L);
        assertThat(s.layout(s.defaultMemoryMap(1L << 30)).kernelImageVa(0x200000L)).isEqualTo(0xffffffff80200000L);
    }

    @Test
    void isAnExtensionWithAnIdleConstructor() throws Exception {
        assertThat(X86_64Architecture.class.isAnnotationPresent(Extension.class)).isTrue();
        assertThat(Modifier.isPublic(X86_64Architecture.class.getConstructor().getModifiers())).isTrue();
    }

    @Test
    void referenceConfHasEveryKeyTheTestDoubleHas() throws Exception {
        String conf;
        try (InputStream in = getClass().getResourceAsStream("/reference.conf")) {
            conf = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(conf).contains("kmemu.arch.x86_64 {");
        for (String key : MapConfigView.defaults().keySet()) {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            assertThat(conf).containsPattern("(?m)^\\s*" + leaf + " = " + java.util.regex.Pattern.quote(
                    String.valueOf(MapConfigView.defaults().get(key)).replace("0x1000000", "\"0x1000000\"")));
        }
    }
}
