package org.kmemu.core.mm.vma;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One mm's VMAs in address order ({@code mm->mm_mt}, the kernel's maple tree), with O(log n) lookup: a
 * {@code TreeMap} keyed by vm_start. VMAs never overlap; every change goes through this class so the
 * keys stay right. The caller holds the mm's mmap lock (for write to change it); the tree has no lock
 * of its own, as the maple tree relies on the mmap lock for writers.
 */
public final class VmaTree {
    /** DEFAULT_MAX_MAP_COUNT (include/linux/mm.h: USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN), vm.max_map_count's default. */
    public static final int DEFAULT_MAX_MAP_COUNT = 65530;

    private final TreeMap<Long, Vma> byStart = new TreeMap<>(Long::compareUnsigned);
    private final int pageShift;
    private int maxMapCount = DEFAULT_MAX_MAP_COUNT;

    /** @param pageShift PAGE_SHIFT: vm_pgoff counts pages of this size */
    public VmaTree(int pageShift) {
        this.pageShift = pageShift;
    }

    /** @return PAGE_SHIFT */
    public int pageShift() {
        return pageShift;
    }

    /** @return map_count: the number of VMAs */
    public int mapCount() {
        return byStart.size();
    }

    /** @param max sysctl vm.max_map_count, which split_vma checks */
    public void setMaxMapCount(int max) {
        this.maxMapCount = max;
    }

    /** @return sysctl vm.max_map_count */
    public int maxMapCount() {
        return maxMapCount;
    }

    /** @return the VMAs in address order, read-only */
    public Collection<Vma> vmas() {
        return Collections.unmodifiableCollection(byStart.values());
    }

    /**
     * {@code find_vma(mm, addr)} (mm/mmap.c): the first VMA that ends above {@code addr}; it may start
     * above {@code addr} too.
     *
     * @param addr a user address
     * @return the VMA, or null when none ends above addr
     */
    public Vma findVma(long addr) {
        Map.Entry<Long, Vma> e = byStart.floorEntry(addr);
        if (e != null && Long.compareUnsigned(e.getValue().end(), addr) > 0) {
            return e.getValue();
        }
        Map.Entry<Long, Vma> next = byStart.higherEntry(addr);
        return next == null ? null : next.getValue();
    }

    /**
     * The {@code *pprev} of {@code find_vma_prev(mm, addr, &pprev)}: the VMA before {@link #findVma}'s,
     * which is the last VMA that ends at or below {@code addr}.
     *
     * @param addr a user address
     * @return that VMA, or null
     */
    public Vma findVmaPrev(long addr) {
        Map.Entry<Long, Vma> e = byStart.floorEntry(addr);
        if (e == null) {
            return null;
        }
        if (Long.compareUnsigned(e.getValue().end(), addr) <= 0) {
            return e.getValue();
        }
        Map.Entry<Long, Vma> before = byStart.lowerEntry(e.getKey());
        return before == null ? null : before.getValue();
    }

    /**
     * {@code find_vma_intersection(mm, start, end)}: the first VMA overlapping [start, end).
     *
     * @param start first address
     * @param end   one past the last address
     * @return the VMA, or null if the range is unmapped
     */
    public Vma findVmaIntersection(long start, long end) {
        Vma vma = findVma(start);
        return vma != null && Long.compareUnsigned(vma.start(), end) < 0 ? vma : null;
    }

    /**
     * {@code vma_lookup(mm, addr)}: the VMA containing addr.
     *
     * @param addr a user address
     * @return the VMA, or null
     */
    public Vma vmaLookup(long addr) {
        Vma vma = findVma(addr);
        return vma != null && Long.compareUnsigned(vma.start(), addr) <= 0 ? vma : null;
    }

    /**
     * @param vma a VMA of this tree
     * @return {@code vma_prev}: the VMA before it, or null
     */
    public Vma prev(Vma vma) {
        Map.Entry<Long, Vma> e = byStart.lowerEntry(vma.start());
        return e == null ? null : e.getValue();
    }

    /**
     * @param vma a VMA of this tree
     * @return {@code vma_next}: the VMA after it, or null
     */
    public Vma next(Vma vma) {
        Map.Entry<Long, Vma> e = byStart.higherEntry(vma.start());
        return e == null ? null : e.getValue();
    }

    /**
     * {@code vma_link}: adds a VMA as it is, without trying to merge it.
     *
     * @param vma a VMA whose range is unmapped
     * @throws IllegalArgumentException if it overlaps a VMA of the tree
     */
    public void link(Vma vma) {
        Vma clash = findVmaIntersection(vma.start(), vma.end());
        if (clash != null) {
            throw new IllegalArgumentException(vma + " overlaps " + clash);
        }
        byStart.put(vma.start(), vma);
    }

    /**
     * Removes a VMA ({@code vma_iter_clear} + {@code remove_vma}).
     *
     * @param vma a VMA of this tree
     */
    public void unlink(Vma vma) {
        if (byStart.get(vma.start()) != vma) {
            throw new IllegalArgumentException(vma + " is not in this mm");
        }
        byStart.remove(vma.start());
    }

    /**
     * {@code vma_merge_new_range()} (mm/vma.c, 6.12) for a range do_mmap is about to map, then
     * {@code vma_link} of a new VMA when nothing merges (mmap_region's order). The range must be
     * unmapped: do_mmap unmaps what was there first.
     *
     * @param start   first address, page aligned
     * @param end     one past the last, page aligned
     * @param flags   the new mapping's vm_flags
     * @param pgoff   the new mapping's vm_pgoff
     * @param file    vm_file or null
     * @param anonVma the anon_vma the range comes with (null for every new mapping; set when a range moves)
     * @return the VMA that now covers the range: a neighbour that grew, or the new VMA
     */
    public Vma mapRange(long start, long end, long flags, long pgoff, VmFile file, AnonVma anonVma) {
        if (findVmaIntersection(start, end) != null) {
            throw new IllegalArgumentException(String.format("[%#x, %#x) is mapped", start, end));
        }
        Vma prev = findVmaPrev(start);
        Vma next = prev == null ? findVma(start) : next(prev);
        Vma merged = VmaMerge.mergeNewRange(this, prev, next, start, end, flags, pgoff, file, anonVma);
        if (merged != null) {
            return merged;
        }
        Vma vma = new Vma(start, end, flags, pgoff, file, anonVma);
        byStart.put(start, vma);
        return vma;
    }

    /**
     * {@code split_vma(vmi, vma, addr, new_below)} (mm/vma.c {@code __split_vma}): cuts a VMA at addr into
     * two. The new VMA is the lower part when {@code newBelow}, else the upper one; its vm_pgoff moves with
     * its start. Both keep the flags, file and anon_vma.
     *
     * @param vma      a VMA of this tree
     * @param addr     a page-aligned address strictly inside it
     * @param newBelow whether the new VMA is the part below addr
     * @return the new VMA, or null for -ENOMEM: the mm already has vm.max_map_count VMAs
     */
    public Vma splitVma(Vma vma, long addr, boolean newBelow) {
        return splitVma(vma, addr, newBelow, true);
    }

    /**
     * {@code __split_vma} when {@code checkMapCount} is false: munmap checks vm.max_map_count once up front
     * (vms_gather_munmap_vmas) and then splits without the check.
     */
    Vma splitVma(Vma vma, long addr, boolean newBelow, boolean checkMapCount) {
        if (byStart.get(vma.start()) != vma) {
            throw new IllegalArgumentException(vma + " is not in this mm");
        }
        if (Long.compareUnsigned(addr, vma.start()) <= 0 || Long.compareUnsigned(addr, vma.end()) >= 0
                || (addr & ((1L << pageShift) - 1)) != 0) {
            // VM_WARN_ON(vma->vm_start >= addr); VM_WARN_ON(vma->vm_end <= addr) in __split_vma
            throw new IllegalArgumentException(String.format("split of %s at %#x: not a page inside it", vma, addr));
        }
        if (checkMapCount && byStart.size() >= maxMapCount) {
            return null; // split_vma(): if (vma->vm_mm->map_count >= sysctl_max_map_count) return -ENOMEM
        }
        long delta = (addr - vma.start()) >>> pageShift;
        Vma created;
        if (newBelow) {
            created = new Vma(vma.start(), addr, vma.flags(), vma.pgoff(), vma.file(), vma.anonVma());
            byStart.remove(vma.start());
            vma.setBounds(addr, vma.end(), vma.pgoff() + delta);
            byStart.put(addr, vma);
        } else {
            created = new Vma(addr, vma.end(), vma.flags(), vma.pgoff() + delta, vma.file(), vma.anonVma());
            vma.setBounds(vma.start(), addr, vma.pgoff());
        }
        byStart.put(created.start(), created);
        return created;
    }

    /**
     * The splitting half of {@code vma_modify()}: makes [start, end) a VMA of its own, splitting off what
     * lies below start and above end, as mprotect and munmap of a middle piece do.
     *
     * @param vma   the VMA containing the range
     * @param start page-aligned, inside vma or at its start
     * @param end   page-aligned, inside vma or at its end
     * @return the VMA that is exactly [start, end), or null for -ENOMEM (a first split that succeeded
     *         stays, as in the kernel)
     */
    public Vma isolate(Vma vma, long start, long end) {
        Vma middle = vma;
        if (Long.compareUnsigned(start, middle.start()) > 0) {
            if (splitVma(middle, start, true) == null) {
                return null;
            }
        }
        if (Long.compareUnsigned(end, middle.end()) < 0) {
            if (splitVma(middle, end, false) == null) {
                return null;
            }
        }
        return middle;
    }

    /**
     * The tree half of {@code expand_downwards()} (mm/mmap.c): a VM_GROWSDOWN VMA's start moves down to
     * {@code newStart}, its vm_pgoff with it. The caller holds the mmap lock for write and has checked the
     * guard gap and the stack rlimit.
     *
     * @param vma      a VMA of this tree
     * @param newStart page-aligned, below vma's start and above the previous VMA's end
     */
    public void expandDownwards(Vma vma, long newStart) {
        if (byStart.get(vma.start()) != vma) {
            throw new IllegalArgumentException(vma + " is not in this mm");
        }
        Vma prev = prev(vma);
        if (Long.compareUnsigned(newStart, vma.start()) >= 0 || (newStart & ((1L << pageShift) - 1)) != 0
                || (prev != null && Long.compareUnsigned(prev.end(), newStart) > 0)) {
            throw new IllegalArgumentException(String.format("expand %s down to %#x: not a free page below it", vma, newStart));
        }
        long grow = (vma.start() - newStart) >>> pageShift;
        reshape(vma, newStart, vma.end(), vma.pgoff() - grow);
    }

    /** Grows {@code vma} to [start, end) with the given pgoff, keeping the index right. */
    void reshape(Vma vma, long start, long end, long pgoff) {
        if (vma.start() != start) {
            byStart.remove(vma.start());
            vma.setBounds(start, end, pgoff);
            byStart.put(start, vma);
        } else {
            vma.setBounds(start, end, pgoff);
        }
    }
}
