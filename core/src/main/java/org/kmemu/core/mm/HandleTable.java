package org.kmemu.core.mm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Small integer handles for objects that a frame's word in {@link PageFrames} points at: the kernel
 * stores pointers in struct page ({@code page->mapping}, {@code slab->slab_cache}); kmemu stores a
 * handle, which costs fewer bits and keeps the per-frame arrays free of references.
 *
 * <p>Handle 0 is NULL. Freed handles are reused, the last freed first. {@link #get} takes no lock (the table is
 * replaced copy-on-grow behind a volatile field, slots are read with acquire semantics); {@link #add}
 * and {@link #remove} hold this object's monitor.
 *
 * @param <T> the kind of object
 */
public final class HandleTable<T> {
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    private final String name;
    private final int maxHandle;
    private volatile Object[] slots = new Object[64];
    private int[] freeHandles = new int[16];
    private int nrFree;
    private int next = 1;
    private int live;

    /**
     * @param name      what the handles name, for messages
     * @param maxHandle the largest handle the word can hold
     */
    public HandleTable(String name, int maxHandle) {
        this.name = name;
        this.maxHandle = maxHandle;
    }

    /**
     * @param object the object, not null
     * @return its new handle, 1 or more
     * @throws IllegalStateException when every handle is in use
     */
    public synchronized int add(T object) {
        if (object == null) {
            throw new IllegalArgumentException(name + ": null (expected: an object)");
        }
        int h;
        if (nrFree > 0) {
            h = freeHandles[--nrFree];
        } else {
            if (next > maxHandle) {
                throw new IllegalStateException(name + ": " + live + " in use (expected: at most " + maxHandle + ")");
            }
            h = next++;
        }
        Object[] s = slots;
        if (h >= s.length) {
            s = Arrays.copyOf(s, (int) Math.min((long) maxHandle + 1, Math.max(h + 1L, 2L * s.length)));
            slots = s;
        }
        SLOT.setRelease(s, h, object);
        live++;
        return h;
    }

    /**
     * Forgets a handle; it may be handed out again.
     *
     * @param handle a live handle
     */
    public synchronized void remove(int handle) {
        Object[] s = slots;
        if (handle <= 0 || handle >= s.length || s[handle] == null) {
            throw new IllegalArgumentException(name + " handle: " + handle + " (expected: a live handle)");
        }
        SLOT.setRelease(s, handle, null);
        if (nrFree == freeHandles.length) {
            freeHandles = Arrays.copyOf(freeHandles, 2 * nrFree);
        }
        freeHandles[nrFree++] = handle;
        live--;
    }

    /**
     * @param handle a handle, 0 for NULL
     * @return its object, or null for 0 or a handle not in use
     */
    @SuppressWarnings("unchecked")
    public T get(int handle) {
        Object[] s = slots;
        return handle > 0 && handle < s.length ? (T) SLOT.getAcquire(s, handle) : null;
    }

    /** @return how many handles are in use */
    public synchronized int size() {
        return live;
    }
}
