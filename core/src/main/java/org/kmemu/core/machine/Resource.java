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
}
