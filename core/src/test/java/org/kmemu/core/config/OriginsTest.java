package org.kmemu.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import org.junit.jupiter.api.Test;

class OriginsTest {
    private static Config parse(String text, String description) {
        return ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(description));
    }

    @Test
    void anObjectSetInSeveralLayersIsNamedByTheLayerClosestToTheUser() {
        Config ref = parse("a {\n  tlb { entries = 512, ways = 4 }\n}\n", "reference.conf of plugin booke (/p/booke.jar)");
        Config cmd = parse("a.tlb.entries = 3", "command line (-D a.tlb.entries)");
        assertThat(Origins.of(cmd.withFallback(ref), "a.tlb")).isEqualTo("command line (-D a.tlb.entries)");
        Config file = parse("\n\na.tlb.ways = 2", "/home/me/m.conf");
        assertThat(Origins.of(file.withFallback(ref), "a.tlb")).isEqualTo("/home/me/m.conf:3");
    }

    @Test
    void referenceLayersAreNameColonLine() {
        assertThat(Origins.of(parse("\na = 1", "kmemu-core reference.conf"), "a")).isEqualTo("kmemu-core reference.conf:2");
        assertThat(Origins.of(parse("a = 1", "command line (-D a)"), "a")).isEqualTo("command line (-D a)");
    }
}
