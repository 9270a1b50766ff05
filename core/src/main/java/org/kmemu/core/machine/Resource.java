package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A node of the physical resource tree that /proc/iomem prints (kernel/resource.c,
 * {@code struct resource}): a named inclusive range {@code [start, end]} with children nested inside
 * it, sorted and disjoint. Boot builds it from the memory map; later drivers request regions in it.
 */
public final class Resource {
    private final String name;
    private final long start;
    private final long end;
    private final List<Resource> children = new ArrayList<>();
    /** IORESOURCE_BUSY (include/linux/ioport.h): a driver has claimed the range; nothing nests in it. */
    private boolean busy;

    /**
     * @param name  the name /proc/iomem shows
     * @param start first address
     * @param end   last address, inclusive
     */
    public Resource(String name, long start, long end) {
        if (Long.compareUnsigned(end, start) < 0) {
            throw new IllegalArgumentException(String.format("resource %s: end %#x below start %#x", name, end, start));
        }
        this.name = name;
        this.start = start;
        this.end = end;
    }

    /** @return the name */
    public String name() {
        return name;
    }

    /** @return the first address */
    public long start() {
        return start;
    }

    /** @return the last address, inclusive */
    public long end() {
        return end;
    }

    /** @return the children, sorted by address */
    public List<Resource> children() {
        return Collections.unmodifiableList(children);
    }

    /**
     * {@code request_resource()}: inserts {@code child} at the deepest node that contains it.
     *
     * @param child a range inside this one
     * @return null on success, else the existing resource it conflicts with (as the kernel returns it)
     */
    public Resource request(Resource child) {
        if (Long.compareUnsigned(child.start, start) < 0 || Long.compareUnsigned(child.end, end) > 0) {
            return this;
        }
        for (Resource c : children) {
            boolean inside = Long.compareUnsigned(child.start, c.start) >= 0 && Long.compareUnsigned(child.end, c.end) <= 0;
            if (inside) {
                return c.request(child);
            }
            boolean overlaps = Long.compareUnsigned(child.start, c.end) <= 0 && Long.compareUnsigned(c.start, child.end) <= 0;
            if (overlaps) {
                return c;
            }
        }
        int i = 0;
        while (i < children.size() && Long.compareUnsigned(children.get(i).start, child.start) < 0) {
            i++;
        }
        children.add(i, child);
        return null;
    }

    /** Marks a boot-time resource busy, as e820's do_mark_busy() and the kernel image's resources are. */
    void markBusy() {
        busy = true;
    }

    /** @return whether a driver claimed this range ({@code IORESOURCE_BUSY}) */
    public boolean busy() {
        return busy;
    }

    /**
     * {@code __request_region()} (kernel/resource.c): claims {@code res}'s range, busy, as deep in the tree as a
     * non-busy resource contains it: a request that fits inside a resource nobody has claimed (System RAM,
     * Reserved, a device's window) goes inside it; one that overlaps a claimed range, or straddles a resource's
     * edge, is refused (-EBUSY).
     *
     * @param name  the claimer's name, as /proc/iomem shows it
     * @param start first address
     * @param end   last address, inclusive
     * @return the new busy resource, or null when refused
     */
    public Resource requestRegion(String name, long start, long end) {
        Resource res = new Resource(name, start, end);
        return requestRegionConflict(res) == null ? res : null;
    }

    /**
     * {@link #requestRegion}, naming what is in the way.
     *
     * @param res the new resource; marked busy
     * @return null on success, else the resource it conflicts with (a busy one, or one it straddles)
     */
    public Resource requestRegionConflict(Resource res) {
        res.busy = true;
        Resource parent = this;
        for (;;) {
            Resource conflict = parent.requestHere(res);
            if (conflict == null) {
                return null;
            }
            if (conflict != parent && !conflict.busy) {
                parent = conflict;
                continue;
            }
            return conflict;
        }
    }

    /**
     * {@code __request_resource()}: inserts {@code child} among this resource's children, or names what is in the
     * way: this resource when the child does not fit inside it, else the first child it overlaps.
     */
    private Resource requestHere(Resource child) {
        if (Long.compareUnsigned(child.start, start) < 0 || Long.compareUnsigned(child.end, end) > 0) {
            return this;
        }
        int i = 0;
        for (; i < children.size(); i++) {
            Resource c = children.get(i);
            if (Long.compareUnsigned(child.end, c.start) < 0) {
                break;
            }
            if (Long.compareUnsigned(child.start, c.end) <= 0) {
                return c;
            }
        }
        children.add(i, child);
        return null;
    }

    /**
     * {@code __release_region()} (kernel/resource.c): removes the busy resource that is exactly
     * {@code [start, end]}, looking inside non-busy resources that contain it.
     *
     * @param start first address
     * @param end   last address, inclusive
     * @return whether one was removed (the kernel warns "Trying to free nonexistent resource" otherwise)
     */
    public boolean releaseRegion(long start, long end) {
        List<Resource> level = children;
        for (int i = 0; i < level.size(); ) {
            Resource r = level.get(i);
            if (Long.compareUnsigned(r.start, start) <= 0 && Long.compareUnsigned(r.end, end) >= 0) {
                if (!r.busy) {
                    level = r.children;
                    i = 0;
                    continue;
                }
                if (r.start != start || r.end != end) {
                    return false;
                }
                level.remove(i);
                return true;
            }
            i++;
        }
        return false;
    }

    /** @return the resource as the kernel's %pR prints a memory one: {@code [mem 0x...-0x...]} */
    public String pR(boolean io) {
        return io ? String.format("[io  %#06x-%#06x]", start, end) : String.format("[mem %#010x-%#010x]", start, end);
    }
}
