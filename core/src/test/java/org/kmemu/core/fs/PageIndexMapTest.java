package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PageIndexMapTest {

    @Test
    void getPutRemoveAndSparseIndices() {
        PageIndexMap t = new PageIndexMap();
        assertThat(t.get(0)).isEqualTo(PageIndexMap.NO_PFN);
        t.putNew(0, 100);
        t.putNew(1L << 40, 200); // a page 4 PiB into a file: no dense array could hold it
        t.putNew(7, 300);
        assertThat(t.size()).isEqualTo(3);
        assertThat(t.get(1L << 40)).isEqualTo(200);
        assertThat(t.remove(7)).isEqualTo(300);
        assertThat(t.remove(7)).isEqualTo(PageIndexMap.NO_PFN);
        assertThat(t.get(7)).isEqualTo(PageIndexMap.NO_PFN);
        assertThat(t.size()).isEqualTo(2);
        long[] from = t.entriesFrom(1);
        assertThat(from).containsExactly(1L << 40, 200);
    }

    /** Seeded operation sequences against a HashMap: every lookup agrees, the size agrees, growth and backward-shift deletion lose nothing. */
    @Property(tries = 200)
    void agreesWithAHashMap(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 2) Integer> ops,
            @ForAll @Size(max = 400) List<@LongRange(min = 0, max = 300) Long> keys,
            @ForAll @LongRange(min = 1, max = 1L << 30) long stride) {
        PageIndexMap t = new PageIndexMap();
        Map<Long, Long> model = new HashMap<>();
        int n = Math.min(ops.size(), keys.size());
        for (int i = 0; i < n; i++) {
            long index = keys.get(i) * stride;
            switch (ops.get(i)) {
                case 0 -> {
                    if (!model.containsKey(index)) {
                        t.putNew(index, i);
                        model.put(index, (long) i);
                    }
                }
                case 1 -> assertThat(t.remove(index)).isEqualTo(model.containsKey(index) ? model.remove(index) : PageIndexMap.NO_PFN);
                default -> assertThat(t.get(index)).isEqualTo(model.getOrDefault(index, PageIndexMap.NO_PFN));
            }
            assertThat(t.size()).isEqualTo(model.size());
        }
        for (Map.Entry<Long, Long> e : model.entrySet()) {
            assertThat(t.get(e.getKey())).isEqualTo(e.getValue());
        }
        assertThat(t.entriesFrom(0)).hasSize(2 * model.size());
    }
}
