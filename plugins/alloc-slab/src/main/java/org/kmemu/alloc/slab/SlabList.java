package org.kmemu.alloc.slab;

/** An intrusive list of slabs: one of a node's slabs_full, slabs_partial, slabs_free. Guarded by the node lock. */
final class SlabList {
    private Slab head;
    private Slab tail;
    private int count;

    /** list_add: at the head. */
    void addFirst(Slab s) {
        assert s.list == null;
        s.list = this;
        s.prev = null;
        s.next = head;
        if (head != null) {
            head.prev = s;
        } else {
            tail = s;
        }
        head = s;
        count++;
    }

    /** list_add_tail. */
    void addLast(Slab s) {
        assert s.list == null;
        s.list = this;
        s.next = null;
        s.prev = tail;
        if (tail != null) {
            tail.next = s;
        } else {
            head = s;
        }
        tail = s;
        count++;
    }

    /** list_del. */
    void remove(Slab s) {
        assert s.list == this;
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            head = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        } else {
            tail = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.list = null;
        count--;
    }

    Slab first() {
        return head;
    }

    Slab last() {
        return tail;
    }

    int size() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }
}
