package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceBufferTest {

    @Test
    void theRingDropsTheOldestAndTheHeaderCountsWhatWasWritten() {
        TraceBuffer t = new TraceBuffer(2, 4);
        t.record("init", 1, 0, 170_000_000L, "kmalloc", "a");
        t.record("init", 1, 0, 170_000_000L, "kmalloc", "b");
        t.record("kworker/1:0", 23, 1, 1_500_000_000L, "kfree", "c");
        assertThat(t.events()).hasSize(2);
        // trace_output.c: comm right-aligned in 16, pid left-aligned in 5, [CPU], flags, %12.6f time.
        assertThat(t.events().get(0)).isEqualTo("            init-1     [000] ....     0.170000: kmalloc: b");
        assertThat(t.events().get(1)).isEqualTo("     kworker/1:0-23    [001] ....     1.500000: kfree: c");
        assertThat(t.render()).contains("# entries-in-buffer/entries-written: 2/3   #P:4\n");
        t.clear();
        assertThat(t.events()).isEmpty();
    }
}
