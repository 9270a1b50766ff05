package org.kmemu.core.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HandleTableTest {

    @Test
    void handlesStartAtOneGrowAndAreReused() {
        HandleTable<String> t = new HandleTable<>("mapping", 1000);
        assertThat(t.get(0)).isNull();
        int[] h = new int[200];
        for (int i = 0; i < h.length; i++) {
            h[i] = t.add("m" + i);
        }
        assertThat(h[0]).isEqualTo(1);
        assertThat(h[199]).isEqualTo(200);
        assertThat(t.get(150)).isEqualTo("m149");
        t.remove(h[10]);
        assertThat(t.get(h[10])).isNull();
        assertThat(t.size()).isEqualTo(199);
        assertThat(t.add("again")).isEqualTo(h[10]);
        assertThat(t.get(5000)).isNull();
    }

    @Test
    void runningOutAndBadHandlesAreReported() {
        HandleTable<Object> t = new HandleTable<>("slab owner", 2);
        t.add(1);
        t.add(2);
        assertThatThrownBy(() -> t.add(3)).hasMessage("slab owner: 2 in use (expected: at most 2)");
        assertThatThrownBy(() -> t.remove(7)).hasMessageContaining("slab owner handle: 7 (expected: a live handle)");
        t.remove(1);
        assertThatThrownBy(() -> t.remove(1)).hasMessageContaining("handle: 1");
        assertThatThrownBy(() -> t.add(null)).hasMessageContaining("null");
    }
}
