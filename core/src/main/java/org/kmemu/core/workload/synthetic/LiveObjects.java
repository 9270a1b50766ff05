package org.kmemu.core.workload.synthetic;

import java.util.Arrays;

/**
 * The objects a synthetic run holds, in primitive arrays: for each slot the pointer (or pfn), the
 * call site, the order or cache, and its death time; a binary min-heap of slots by death time
 * (ties by slot, so the order is fixed), and a dense array of live slots for a uniform pick. Slots
 * are reused through a free stack. Arrays grow by doubling: no allocation per event once grown.
 */
final class LiveObjects {
    long[] ptr = new long[64];
    int[] site = new int[64];
    int[] aux = new int[64];
    private long[] death = new long[64];
    /** The heap: heap[0..heapSize) ordered by (death, slot); heapIndex[slot] is the slot's place in it. */
    private int[] heap = new int[64];
    private int[] heapIndex = new int[64];
    private int heapSize;
    private int[] dense = new int[64];
    private int[] densePos = new int[64];
    private int live;
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int slots;

    /** @return the number of objects held */
    int size() {
        return live;
    }

    /** Takes a slot for a new object that dies at {@code when} ({@link Long#MAX_VALUE}: never by age). */
    int add(long p, int s, int a, long when) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else {
            slot = slots++;
            if (slot == ptr.length) {
                grow();
            }
        }
        ptr[slot] = p;
        site[slot] = s;
        aux[slot] = a;
        death[slot] = when;
        densePos[slot] = live;
        dense[live++] = slot;
        heapPush(slot);
        return slot;
    }

    /** @return the slot that dies first, or -1 if none is held */
    int firstToDie() {
        return heapSize == 0 ? -1 : heap[0];
    }

    /** @return the death time of {@code slot} */
    long deathOf(int slot) {
        return death[slot];
    }

    /** @return the {@code i}-th live slot, 0 &lt;= i &lt; {@link #size()} (the order is fixed by the run's calls) */
    int liveAt(int i) {
        return dense[i];
    }

    /** Gives the slot back: it leaves the heap and the live set. */
    void remove(int slot) {
        int pos = densePos[slot];
        int last = dense[--live];
        dense[pos] = last;
        densePos[last] = pos;
        heapRemove(slot);
        freeSlots[freeCount++] = slot;
    }

    private void grow() {
        int n = ptr.length * 2;
        ptr = Arrays.copyOf(ptr, n);
        site = Arrays.copyOf(site, n);
        aux = Arrays.copyOf(aux, n);
        death = Arrays.copyOf(death, n);
        heap = Arrays.copyOf(heap, n);
        dense = Arrays.copyOf(dense, n);
        densePos = Arrays.copyOf(densePos, n);
        freeSlots = Arrays.copyOf(freeSlots, n);
        heapIndex = Arrays.copyOf(heapIndex, n);
    }

    private boolean before(int a, int b) {
        return death[a] < death[b] || (death[a] == death[b] && a < b);
    }

    private void heapPush(int slot) {
        int i = heapSize++;
        heap[i] = slot;
        heapIndex[slot] = i;
        siftUp(i);
    }

    private void heapRemove(int slot) {
        int i = heapIndex[slot];
        int last = heap[--heapSize];
        if (i == heapSize) {
            return;
        }
        heap[i] = last;
        heapIndex[last] = i;
        siftUp(i);
        siftDown(heapIndex[last]);
    }

    private void siftUp(int i) {
        int slot = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            int p = heap[parent];
            if (!before(slot, p)) {
                break;
            }
            heap[i] = p;
            heapIndex[p] = i;
            i = parent;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }

    private void siftDown(int i) {
        int slot = heap[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && before(heap[child + 1], heap[child])) {
                child++;
            }
            int c = heap[child];
            if (!before(c, slot)) {
                break;
            }
            heap[i] = c;
            heapIndex[c] = i;
            i = child;
        }
        heap[i] = slot;
        heapIndex[slot] = i;
    }
}
