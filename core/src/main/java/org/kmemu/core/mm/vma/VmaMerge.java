package org.kmemu.core.mm.vma;

/**
 * The merge rules of mm/vma.c (6.12): when a new range joins the VMA before it, the one after it, or both.
 *
 * <ul>
 *   <li>{@code is_mergeable_vma}: the same vm_flags except VM_SOFTDIRTY, and the same file. (Also the same
 *       userfaultfd context, anon_vma name and mempolicy: kmemu has none of those yet.)</li>
 *   <li>{@code is_mergeable_anon_vma(a1, a2, vma)}: compatible if one is null and {@code vma}'s anon_vma
 *       chain is singular (or no vma is given), else only the same anon_vma. A VMA with no anon_vma has an
 *       empty chain, so 6.12 does not merge a range that brings an anon_vma into such a neighbour (the quirk
 *       of commit 965f55dea0e3, Linux 3.0). Without fork every VMA with an anon_vma has a chain of one.</li>
 *   <li>Merge with the previous VMA ({@code can_vma_merge_after}): it ends at the start and its pgoff plus
 *       its pages is the new pgoff. With the next ({@code can_vma_merge_before}): it starts at the end and
 *       its pgoff is the new pgoff plus the new pages. Both at once also needs the two neighbours' anon_vmas
 *       compatible with each other; otherwise only the previous one merges.</li>
 *   <li>Never for VM_SPECIAL (VM_IO, VM_DONTEXPAND, VM_PFNMAP, VM_MIXEDMAP).</li>
 * </ul>
 */
final class VmaMerge {
    private VmaMerge() {
    }

    static boolean isMergeableVma(Vma vma, long flags, VmFile file) {
        return ((vma.flags() ^ flags) & ~VmFlags.VM_SOFTDIRTY) == 0 && vma.file() == file;
    }

    /**
     * list_is_singular(&vma->anon_vma_chain): one anon_vma_chain entry, i.e. it has its own anon_vma and was
     * not forked (a forked VMA's chain also links every ancestor's anon_vma, anon_vma_fork).
     */
    private static boolean anonVmaChainSingular(Vma vma) {
        return vma.anonVma() != null && vma.anonVma().parent() == null;
    }

    static boolean isMergeableAnonVma(AnonVma a1, AnonVma a2, Vma vma) {
        if ((a1 == null || a2 == null) && (vma == null || anonVmaChainSingular(vma))) {
            return true;
        }
        return a1 == a2;
    }

    /** can_vma_merge_after: the range may join {@code prev}, which ends at its start. */
    static boolean canMergeAfter(Vma prev, long flags, long pgoff, VmFile file, AnonVma anonVma, int pageShift) {
        return isMergeableVma(prev, flags, file) && isMergeableAnonVma(anonVma, prev.anonVma(), prev)
                && prev.pgoff() + prev.pages(pageShift) == pgoff;
    }

    /** can_vma_merge_before: the range may join {@code next}, which starts at its end. */
    static boolean canMergeBefore(Vma next, long flags, long pgoff, long pglen, VmFile file, AnonVma anonVma) {
        return isMergeableVma(next, flags, file) && isMergeableAnonVma(anonVma, next.anonVma(), next)
                && next.pgoff() == pgoff + pglen;
    }

    /**
     * vma_merge_new_range(): merges [start, end) into its neighbours where the rules allow.
     *
     * @return the VMA now covering the range, or null when nothing merged (the caller links a new VMA)
     */
    static Vma mergeNewRange(VmaTree tree, Vma prev, Vma next, long start, long end, long flags, long pgoff,
            VmFile file, AnonVma anonVma) {
        if ((flags & VmFlags.VM_SPECIAL) != 0 || (prev == null && next == null)) {
            return null;
        }
        int shift = tree.pageShift();
        long pglen = (end - start) >>> shift;
        boolean left = prev != null && prev.end() == start && canMergeAfter(prev, flags, pgoff, file, anonVma, shift);
        boolean right = next != null && next.start() == end && canMergeBefore(next, flags, pgoff, pglen, file, anonVma)
                && (!left || isMergeableAnonVma(prev.anonVma(), next.anonVma(), null));
        if (left && right) {
            // prev absorbs the range and next; prev keeps its anon_vma or takes next's (dup_anon_vma)
            tree.unlink(next);
            tree.reshape(prev, prev.start(), next.end(), prev.pgoff());
            if (prev.anonVma() == null) {
                prev.setAnonVma(next.anonVma() != null ? next.anonVma() : anonVma);
            }
            return prev;
        }
        if (left) {
            tree.reshape(prev, prev.start(), end, prev.pgoff());
            if (prev.anonVma() == null) {
                prev.setAnonVma(anonVma);
            }
            return prev;
        }
        if (right) {
            tree.reshape(next, start, next.end(), pgoff);
            if (next.anonVma() == null) {
                next.setAnonVma(anonVma);
            }
            return next;
        }
        return null;
    }

    /**
     * vma_merge_existing_range() (mm/vma.c, 6.12) for vma_modify_flags(): the part [start, end) of {@code vma}
     * is to get {@code newFlags}. If it touches vma's start and the previous VMA would merge, it joins prev; if
     * it touches vma's end and the next VMA would merge, it joins next; both, when their anon_vmas agree. What
     * is left of vma keeps its flags. No VMA is split here.
     *
     * @return the VMA now covering [start, end) with the new flags, or null when no merge applies
     */
    static Vma mergeExistingRange(VmaTree tree, Vma vma, long start, long end, long newFlags) {
        if ((newFlags & VmFlags.VM_SPECIAL) != 0) {
            return null;
        }
        int shift = tree.pageShift();
        Vma prev = tree.prev(vma);
        Vma next = tree.next(vma);
        long pgoff = vma.pgoff() + ((start - vma.start()) >>> shift);
        long pglen = (end - start) >>> shift;
        boolean leftSide = start == vma.start();
        boolean rightSide = end == vma.end();
        AnonVma anon = vma.anonVma();
        boolean left = leftSide && prev != null && prev.end() == start
                && canMergeAfter(prev, newFlags, pgoff, vma.file(), anon, shift);
        boolean right = rightSide && next != null && next.start() == end
                && canMergeBefore(next, newFlags, pgoff, pglen, vma.file(), anon)
                && (!left || isMergeableAnonVma(prev.anonVma(), next.anonVma(), null));
        if (left && right) {
            tree.unlink(vma);
            tree.unlink(next);
            tree.reshape(prev, prev.start(), next.end(), prev.pgoff());
            if (prev.anonVma() == null) {
                prev.setAnonVma(anon != null ? anon : next.anonVma());
            }
            return prev;
        }
        if (left) {
            if (rightSide) {
                tree.unlink(vma);
            } else {
                tree.reshape(vma, end, vma.end(), vma.pgoff() + ((end - vma.start()) >>> shift));
            }
            tree.reshape(prev, prev.start(), end, prev.pgoff());
            if (prev.anonVma() == null) {
                prev.setAnonVma(anon);
            }
            return prev;
        }
        if (right) {
            if (leftSide) {
                tree.unlink(vma);
            } else {
                tree.reshape(vma, vma.start(), start, vma.pgoff());
            }
            tree.reshape(next, start, next.end(), pgoff);
            if (next.anonVma() == null) {
                next.setAnonVma(anon);
            }
            return next;
        }
        return null;
    }
}
