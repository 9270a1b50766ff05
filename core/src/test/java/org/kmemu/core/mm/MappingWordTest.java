package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MappingWordTest {

    @Test
    void theWorkedExampleOfTheLayout() {
        long w = MappingWord.of(5, MappingWord.PAGE_MAPPING_ANON, 0x7f1234567L);
        assertThat(w).isEqualTo(0x007f_1234_5670_0015L);
        assertThat(MappingWord.handle(w)).isEqualTo(5);
        assertThat(MappingWord.index(w)).isEqualTo(0x7f1234567L);
        assertThat(MappingWord.isAnon(w)).isTrue();
        assertThat(MappingWord.mapping(w)).isEqualTo(0x15);
    }

    @Test
    void eachFieldTakesItsExtremesWithoutTouchingTheOthers() {
        long top = MappingWord.INDEX_LIMIT - 1;
        long w = MappingWord.of(MappingWord.MAX_HANDLE, 0, top);
        assertThat(MappingWord.handle(w)).isEqualTo(MappingWord.MAX_HANDLE);
        assertThat(MappingWord.index(w)).isEqualTo(top);
        assertThat(MappingWord.flags(w)).isZero();
        assertThat(MappingWord.isAnon(w)).isFalse();
        long ksm = MappingWord.of(1, MappingWord.PAGE_MAPPING_KSM, 0);
        assertThat(MappingWord.isAnon(ksm)).isTrue();
        assertThat(MappingWord.flags(ksm)).isEqualTo(MappingWord.PAGE_MAPPING_KSM);
        assertThat(MappingWord.handle(ksm)).isEqualTo(1);
        assertThat(MappingWord.index(ksm)).isZero();
    }

    @Test
    void anLa57UserPageNumberFits() {
        long vpn = ((1L << 56) - 4096) >>> 12;
        assertThat(MappingWord.index(MappingWord.of(1, MappingWord.PAGE_MAPPING_ANON, vpn))).isEqualTo(vpn);
    }

    @Test
    void outOfRangeFieldsAreRefused() {
        assertThatThrownBy(() -> MappingWord.of(MappingWord.MAX_HANDLE + 1, 0, 0)).hasMessageContaining("handle: 262144");
        assertThatThrownBy(() -> MappingWord.of(1, 0, MappingWord.INDEX_LIMIT)).hasMessageContaining("index:");
        assertThatThrownBy(() -> MappingWord.of(1, 4, 0)).hasMessageContaining("flags: 4");
    }
}
