package org.kmemu.core.mmu;

import java.util.Locale;
import org.kmemu.api.ArchSpec;

/**
 * Which 64-bit values are virtual addresses of an architecture with N-bit virtual addresses
 * ({@link ArchSpec#virtAddressBits()}). A 32-bit CPU (N = 32) has 32-bit registers: nothing above bit 31
 * exists, so 0x100000000 is no address at all (walking it would silently index the top-level table
 * with its low bits, PGD[0]). A 64-bit CPU with N &lt; 64 implemented bits requires bits 63..N-1 to be
 * copies of bit N-1: x86_64's canonical rule (__canonical_address(), arch/x86/include/asm/page.h),
 * which leaves a hole in the middle of the address space.
 *
 * <p>Worked example, N = 48: 0x00007fffffffffff and 0xffff800000000000 are addresses,
 * 0x0000800000000000 is not. N = 32: 0xffffffff is, 0x100000000 is not.
 */
public final class VirtualAddressWidth {
    private final String arch;
    private final int bits;

    /** @param arch the architecture */
    public VirtualAddressWidth(ArchSpec arch) {
        this(arch.id(), arch.virtAddressBits());
    }

    VirtualAddressWidth(String arch, int bits) {
        if (bits < 32 || bits > 64) {
            throw new IllegalArgumentException("virtAddressBits: " + bits + " (expected: 32..64)");
        }
        this.arch = arch;
        this.bits = bits;
    }

    /**
     * @param vaddr a 64-bit value
     * @return whether it is a virtual address this architecture can issue
     */
    public boolean contains(long vaddr) {
        if (bits == 64) {
            return true;
        }
        if (bits == 32) {
            return vaddr >>> 32 == 0;
        }
        int shift = 64 - bits;
        return (vaddr << shift) >> shift == vaddr;
    }

    /**
     * @param vaddr a value {@link #contains} refused
     * @return why, in the form "name: value (expected: rule)", naming the architecture's address width
     */
    public String refusal(long vaddr) {
        String value = String.format("%#x", vaddr);
        if (bits == 32) {
            return String.format(Locale.ROOT, "%s is wider than %s's 32-bit virtual addresses (expected: at most 0xffffffff)",
                    value, arch);
        }
        long lowTop = (1L << (bits - 1)) - 1;
        return String.format(Locale.ROOT, "%s is not one of %s's %d-bit virtual addresses (expected: bits 63..%d copies of bit %d:"
                + " at most %#018x or at least %#018x)", value, arch, bits, bits - 1, bits - 1, lowTop, ~lowTop);
    }
}
