package org.kmemu.core.mmu;

import org.kmemu.api.Access;

/**
 * A fault the exception table fixed up: the access inside a CPU's fixup window
 * ({@link Cpu#uaccessFixupBegin}) could not be satisfied, so instead of the oops the access fails and
 * control goes to the fixup, as arch/x86/mm/extable.c's {@code fixup_exception()} moves the faulting
 * instruction's IP to its {@code _ASM_EXTABLE_UA} entry. Thrown by the CPU and caught by the uaccess
 * helper that opened the window, which turns it into its short count or -EFAULT; it never reaches the
 * caller of a helper. No stack trace is filled in: it is control flow, not a diagnostic.
 */
public final class FixupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final transient Access access;

    FixupException(long address, Access access) {
        super(null, null, false, false);
        this.address = address;
        this.access = access;
    }

    /** @return the address that faulted */
    public long address() {
        return address;
    }

    /** @return the access that faulted */
    public Access access() {
        return access;
    }

    @Override
    public String getMessage() {
        return String.format("fixed-up %s fault at %#x", access.name().toLowerCase(java.util.Locale.ROOT), address);
    }
}
