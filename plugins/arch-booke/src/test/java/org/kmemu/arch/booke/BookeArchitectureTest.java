package org.kmemu.arch.booke;

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
class BookeArchitectureTest {
    final BookeArchitecture arch = new BookeArchitecture();

    @Test
    void defaultsConfigure() {
        ArchSpec s = arch.configure(new MapConfigView("kmemu.arch.booke", MapConfigView.defaults()));
        assertThat(((BookeSpec) s).options()).isEqualTo(BookeOptions.defaults(true, false));
        assertThat(s.description()).contains("HIGHMEM").contains("0xc0000000");
    }

    @Test
    void badValues() {
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("lowmem-size", "1G")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("test: kmemu.arch.booke.lowmem-size: 0x40000000 (expected: page-aligned, at most "
                        + "0xf0000000 - kernelbase = 0x30000000)");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("task-size", "0xd0000000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("task-size: 0xd0000000 (expected");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("kernelbase", "0xf0000000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("kernelbase");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("physical-start", "0x100000000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("physical-start");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("tlbcam-max-size", "512M")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("power of 4");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("lowmem-cam-num", 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("lowmem-cam-num: 0");
        assertThatThrownBy(() -> arch.configure(MapConfigView.with("nr-cpus", 0)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("nr-cpus: 0");
    }

    @Test
    void aLowerKernelbaseAllowsMoreLowmem() {
        var m = MapConfigView.defaults();
        m.put("kernelbase", "0xb0000000");
        m.put("task-size", "0xb0000000");
        m.put("lowmem-size", "1G");
        ArchSpec s = arch.configure(new MapConfigView("kmemu.arch.booke", m));
        // 0xb0000000 is only 256 MiB aligned: three 256 MiB CAMs cover 768 MiB of the allowed 1 GiB
        assertThat(s.layout(s.defaultMemoryMap(2L << 30)).maxLowPfn()).isEqualTo(0x30000);
        m.put("lowmem-cam-num", 4);
        s = arch.configure(new MapConfigView("kmemu.arch.booke", m));
        var l = s.layout(s.defaultMemoryMap(2L << 30));
        assertThat(l.maxLowPfn()).isEqualTo(0x40000);
        assertThat(l.highMemory()).isEqualTo(0xf0000000L);
        assertThat(l.taskSize()).isEqualTo(0xb0000000L);
    }

    @Test
    void phys64() {
        ArchSpec s = arch.configure(MapConfigView.with("phys-64bit", true));
        assertThat(s.physAddressBits()).isEqualTo(36);
    }

    @Test
    void isAnExtensionWithAnIdleConstructor() throws Exception {
        assertThat(BookeArchitecture.class.isAnnotationPresent(Extension.class)).isTrue();
        assertThat(Modifier.isPublic(BookeArchitecture.class.getConstructor().getModifiers())).isTrue();
        assertThat(arch.id()).isEqualTo("booke");
    }

    @Test
    void referenceConfHasEveryKey() throws Exception {
        String conf;
        try (InputStream in = getClass().getResourceAsStream("/reference.conf")) {
            conf = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(conf).contains("kmemu.arch.booke {");
        for (String key : MapConfigView.defaults().keySet()) {
            assertThat(conf).containsPattern("(?m)^\\s*" + key + " = ");
        }
    }
}
