package org.kmemu.core.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TaskTest {

    @Test
    void commKeepsFifteenCharactersAsTaskCommLenMinusOne() {
        assertThat(Task.truncateComm("kworker/u8:2-events_unbound")).isEqualTo("kworker/u8:2-ev").hasSize(15);
        assertThat(Task.truncateComm("0123456789abcde")).isEqualTo("0123456789abcde");
        assertThat(Task.truncateComm("0123456789abcdef")).isEqualTo("0123456789abcde");
        assertThatThrownBy(() -> Task.truncateComm("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aTaskIsClaimedByOneCpuAtATime() {
        Task t = new Task(5, "kthread", null, Task.PF_KTHREAD);
        assertThat(t.onCpu()).isEqualTo(Task.NOT_RUNNING);
        assertThat(t.claim(1)).isTrue();
        assertThat(t.claim(0)).isFalse();
        assertThat(t.onCpu()).isEqualTo(1);
        t.release(1);
        assertThat(t.claim(0)).isTrue();
        assertThat(t).hasToString("kthread/5");
        assertThat(t.isKthread()).isTrue();
        assertThat(t.isIdle()).isFalse();
    }
}
