package org.kmemu.core.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The registry: names, the listing, near misses. */
class DemosTest {
    @Test
    void listsTheDemosInOrderWithTheirSummaries() {
        assertThat(Demos.all()).extracting(Demo::name).containsExactly("gup-driver", "gup-write-force", "copy-to-user", "fork-cow",
                "device-driver");
        assertThat(Demos.listing()).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Demo d = Demos.all().get(i);
            assertThat(Demos.listing().get(i)).startsWith("  " + d.name()).endsWith("  " + d.summary());
            assertThat(d.description()).isNotEmpty();
            assertThat(Demos.find(d.name())).isSameAs(d);
        }
        assertThat(Demos.find("nope")).isNull();
    }

    @Test
    void nearMissesAreTheClosestNames() {
        assertThat(Demos.nearMisses("gup-drivr")).first().isEqualTo("gup-driver");
        assertThat(Demos.nearMisses("fork")).containsExactly("fork-cow");
        assertThat(Demos.nearMisses("copy_to_user")).containsExactly("copy-to-user");
        assertThat(Demos.nearMisses("gup")).containsExactly("gup-driver", "gup-write-force");
        assertThat(Demos.nearMisses("zzzzzzzzz")).isEmpty();
    }

    @Test
    void distanceIsLevenshtein() {
        assertThat(Demos.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Demos.distance("", "abc")).isEqualTo(3);
        assertThat(Demos.distance("abc", "abc")).isZero();
    }
}
