package org.kmemu.alloc.slub;

import java.util.ArrayDeque;

/**
 * {@code struct kmem_cache_node} of the machine's single node: the partial list, the slab and object
 * counters /proc/slabinfo reads (node_nr_slabs, node_nr_objs), and a pool of recycled {@link Slab}
 * descriptors. Full slabs are on no list, as in SLUB without debugging.
 *
 * <p>Locking: every method requires the caller to hold this object's monitor (n->list_lock), which also
 * guards the fields of the cache's slabs. Lock order: a CPU's {@link CpuSlab} monitor, then this.
 */
final class CacheNode {
    private Slab head;
    private Slab tail;
    /** n->nr_partial. */
    int nrPartial;
    /** n->nr_slabs: every slab of the cache, per-CPU, partial and full. */
    long nrSlabs;
    /** n->total_objects. */
    long totalObjects;
    private final ArrayDeque<Slab> pool = new ArrayDeque<>();

    /** add_partial(): DEACTIVATE_TO_HEAD when {@code toTail} is false. */
    void addPartialLocked(Slab slab, boolean toTail) {
        assert !slab.onPartial && !slab.frozen;
        slab.onPartial = true;
        if (head == null) {
            head = tail = slab;
            slab.prev = slab.next = null;
        } else if (toTail) {
            slab.prev = tail;
            slab.next = null;
            tail.next = slab;
            tail = slab;
        } else {
            slab.next = head;
            slab.prev = null;
            head.prev = slab;
            head = slab;
        }
        nrPartial++;
    }

    /** remove_partial(). */
    void removePartialLocked(Slab slab) {
        assert slab.onPartial;
        if (slab.prev != null) {
            slab.prev.next = slab.next;
        } else {
            head = slab.next;
        }
        if (slab.next != null) {
            slab.next.prev = slab.prev;
        } else {
            tail = slab.prev;
        }
        slab.prev = slab.next = null;
        slab.onPartial = false;
        nrPartial--;
    }

    /** @return the first partial slab, or null */
    Slab firstPartialLocked() {
        return head;
    }

    /** @return count_partial(n, count_free): free objects on partial slabs */
    long partialFreeLocked() {
        long free = 0;
        for (Slab s = head; s != null; s = s.next) {
            free += s.objects - s.inuse;
        }
        return free;
    }

    Slab takeDescriptorLocked() {
        Slab slab = pool.pollFirst();
        return slab != null ? slab : new Slab();
    }

    void recycleDescriptorLocked(Slab slab) {
        slab.reset();
        pool.addFirst(slab);
    }
}
