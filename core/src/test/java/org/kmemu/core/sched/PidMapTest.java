package org.kmemu.core.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PidMapTest {

    @Test
    void pidsGoUpFromOneAndAFreedPidIsNotReusedBeforeTheWrap() {
        PidMap pids = new PidMap(PidMap.PID_MAX_DEFAULT);
        assertThat(pids.alloc()).isEqualTo(1);
        assertThat(pids.alloc()).isEqualTo(2);
        assertThat(pids.alloc()).isEqualTo(3);
        pids.free(2);
        assertThat(pids.alloc()).isEqualTo(4);
        assertThat(pids.inUse(2)).isFalse();
        assertThat(pids.nrInUse()).isEqualTo(3);
    }

    @Test
    void afterTheWrapNumberingRestartsAtReservedPidsSkippingPidsInUse() {
        PidMap pids = new PidMap(400);
        for (int i = 1; i < 400; i++) {
            assertThat(pids.alloc()).isEqualTo(i);
        }
        pids.free(5);     // below RESERVED_PIDS: kept for what started at boot
        pids.free(300);
        pids.free(302);
        assertThat(pids.alloc()).isEqualTo(300);
        assertThat(pids.alloc()).isEqualTo(302);
        assertThat(pids.alloc()).isEqualTo(PidMap.EAGAIN);
        assertThat(pids.inUse(5)).isFalse();
    }

    @Test
    void fullPidSpaceIsEagainAndAFreePidIsFoundAgain() {
        PidMap pids = new PidMap(301);
        for (int i = 1; i <= 300; i++) {
            pids.alloc();
        }
        assertThat(pids.alloc()).isEqualTo(PidMap.EAGAIN);
        pids.free(300);
        assertThat(pids.alloc()).isEqualTo(300);
    }

    @Test
    void pidMaxGrowsWithTheCpusUpToTheLimitOfTheWordSize() {
        assertThat(PidMap.defaultPidMax(2, true)).isEqualTo(32768);
        assertThat(PidMap.defaultPidMax(64, true)).isEqualTo(65536);
        assertThat(PidMap.defaultPidMax(8192, true)).isEqualTo(4 * 1024 * 1024);
        assertThat(PidMap.defaultPidMax(64, false)).isEqualTo(32768);
    }

    @Test
    void freeingAPidNotInUseIsMisuse() {
        PidMap pids = new PidMap(1000);
        assertThatThrownBy(() -> pids.free(7)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("free_pid: 7 (expected: a pid in use)");
        assertThatThrownBy(() -> new PidMap(300)).hasMessageContaining("pid_max: 300");
    }
}
