package org.kmemu.core.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The replay's primitive map against java.util.HashMap, with keys crowded into few slots so runs wrap and shift. */
class LongLongMapProperties {
    @Property(tries = 200)
    void behavesAsAHashMap(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int keySpace) {
        Random r = new Random(seed);
        LongLongMap map = new LongLongMap();
        Map<Long, Long> model = new HashMap<>();
        for (int step = 0; step < 3000; step++) {
            // Page-aligned pointers, as a trace's are: the low 12 bits all zero.
            long key = (1 + r.nextInt(keySpace)) * 4096L + (r.nextBoolean() ? 0 : 0xc0000000L);
            switch (r.nextInt(3)) {
                case 0 -> {
                    long v = r.nextLong();
                    Long before = model.put(key, v);
                    assertThat(map.put(key, v, -1)).isEqualTo(before == null ? -1 : before);
                }
                case 1 -> {
                    Long before = model.remove(key);
                    assertThat(map.remove(key, -1)).isEqualTo(before == null ? -1 : before);
                }
                default -> assertThat(map.get(key, -1)).isEqualTo(model.getOrDefault(key, -1L));
            }
            assertThat(map.size()).isEqualTo(model.size());
        }
        Map<Long, Long> drained = new HashMap<>();
        map.drain(drained::put);
        assertThat(drained).isEqualTo(model);
        assertThat(map.size()).isZero();
        assertThat(map.get(model.keySet().stream().findFirst().orElse(4096L), -1)).isEqualTo(-1);
    }
}
