package org.kmemu.core.mm.vma;

/**
 * An {@code anon_vma}'s identity: the reverse-map root that anonymous pages of one or more VMAs point to.
 * Two VMAs share it when they are compared equal by identity, as the kernel compares the pointers. A VMA
 * has none ({@code null}) until its first anonymous page fault ({@code anon_vma_prepare}).
 */
public final class AnonVma {
    private final long id;
    private final AnonVma parent;

    /** @param id a number for reports and tests, not used for equality */
    public AnonVma(long id) {
        this(id, null);
    }

    /**
     * A child's anon_vma made by fork ({@code anon_vma_fork}): it is chained to the parent's, so the
     * child VMA's anon_vma_chain holds both (kmemu keeps the parent link instead of the chain list).
     *
     * @param id     a number for reports and tests
     * @param parent the parent VMA's anon_vma
     */
    public AnonVma(long id, AnonVma parent) {
        this.id = id;
        this.parent = parent;
    }

    /** @return the anon_vma this one was forked from, or null */
    public AnonVma parent() {
        return parent;
    }

    /** @return anon_vma->root: the first ancestor */
    public AnonVma root() {
        AnonVma a = this;
        while (a.parent != null) {
            a = a.parent;
        }
        return a;
    }

    /** @return the number given at creation */
    public long id() {
        return id;
    }

    @Override
    public String toString() {
        return "anon_vma#" + id;
    }
}
