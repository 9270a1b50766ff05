package org.kmemu.core.mm.vma;

/**
 * An {@code anon_vma}'s identity: the reverse-map root that anonymous pages of one or more VMAs point to.
 * Two VMAs share it when they are compared equal by identity, as the kernel compares the pointers. A VMA
 * has none ({@code null}) until its first anonymous page fault ({@code anon_vma_prepare}).
 */
public final class AnonVma {
    private final long id;

    /** @param id a number for reports and tests, not used for equality */
    public AnonVma(long id) {
        this.id = id;
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
