package org.kmemu.core.workload.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** LiveObjects against a simple model (a sorted set of (death, slot)): seeded random adds and removes. */
class LiveObjectsTest {
    private record Entry(long death, int slot) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            return death != o.death ? Long.compare(death, o.death) : Integer.compare(slot, o.slot);
        }
    }

    @Test
    void firstToDieAndRandomRemovalsMatchTheModel() {
        for (long seed = 0; seed < 20; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            LiveObjects objects = new LiveObjects();
            TreeSet<Entry> model = new TreeSet<>();
            List<Long> ptrOf = new ArrayList<>();
            for (int step = 0; step < 5000; step++) {
                if (model.isEmpty() || r.nextInt(3) > 0) {
                    long death = r.nextInt(500); // many ties: the slot breaks them
                    long p = 0x1000L + step;
                    int slot = objects.add(p, step % 7, step % 3, death);
                    assertThat(model.stream().anyMatch(e -> e.slot() == slot)).as("a live slot is not handed out again").isFalse();
                    model.add(new Entry(death, slot));
                    while (ptrOf.size() <= slot) {
                        ptrOf.add(0L);
                    }
                    ptrOf.set(slot, p);
                } else if (r.nextBoolean()) {
                    int first = objects.firstToDie();
                    assertThat(first).isEqualTo(model.first().slot());
                    assertThat(objects.deathOf(first)).isEqualTo(model.first().death());
                    objects.remove(first);
                    model.pollFirst();
                } else {
                    int slot = objects.liveAt(r.nextInt(objects.size()));
                    assertThat(objects.ptr[slot]).isEqualTo(ptrOf.get(slot));
                    model.removeIf(e -> e.slot() == slot);
                    objects.remove(slot);
                }
                assertThat(objects.size()).isEqualTo(model.size());
            }
            assertThat(objects.firstToDie()).isEqualTo(model.isEmpty() ? -1 : model.first().slot());
        }
    }
}
