package org.kmemu.core.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LiveObjectsTest {
    @Test
    void keepsExactlyTheObjectsNotYetFreedAgainstAMapModel() {
        LiveObjects live = new LiveObjects();
        Map<Long, Long> model = new HashMap<>();
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            long ptr = 0xc0000000L + 8L * r.nextInt(5000); // few addresses: many collisions, reuse and removals
            if (r.nextBoolean()) {
                long req = 1 + r.nextInt(4096);
                if (r.nextBoolean()) {
                    live.kmalloc(0, 0, "t", 1, "site", ptr, req, req, 0);
                } else {
                    live.kmemCacheAlloc(0, 0, "t", 1, "site", ptr, req, req, 0);
                }
                model.put(ptr, req);
            } else if (r.nextBoolean()) {
                live.kfree(0, 0, "t", 1, "site", ptr);
                model.remove(ptr);
            } else {
                live.kmemCacheFree(0, 0, "t", 1, "site", ptr);
                model.remove(ptr);
            }
        }
        live.kmalloc(0, 0, "t", 1, "site", 0, 64, 0, 0); // a failed allocation is no object
        assertThat(live.size()).isEqualTo(model.size());
        Map<Long, Long> seen = new HashMap<>();
        live.forEach((ptr, req) -> assertThat(seen.put(ptr, req)).isNull());
        assertThat(seen).isEqualTo(model);
    }
}
