package org.kmemu.arch.x86_64;

/**
 * The x86_64 canonical-address rule: an address is canonical when bits 63..N-1 are all copies of bit
 * N-1, N being the implemented virtual address bits (48 with 4-level paging, 57 with 5-level). A
 * non-canonical access raises #GP, not #PF. Rule of __canonical_address() in arch/x86/include/asm/page.h.
 *
 * <p>Worked example, N = 48: 0x00007fffffffffff and 0xffff800000000000 are canonical;
 * 0x0000800000000000 is not (bit 47 set, bits 63..48 clear).
 */
final class CanonicalAddress {

    private CanonicalAddress() {
    }

    /**
     * @param vaddr     a virtual address
     * @param vaddrBits the implemented virtual address bits, 1..64
     * @return {@code vaddr} with bit {@code vaddrBits - 1} copied into all bits above it
     */
    static long canonicalAddress(long vaddr, int vaddrBits) {
        if (vaddrBits < 1 || vaddrBits > 64) {
            throw new IllegalArgumentException("vaddrBits: " + vaddrBits + " (expected: 1..64)");
        }
        int shift = 64 - vaddrBits;
        return (vaddr << shift) >> shift;
    }

    /**
     * @param vaddr     a virtual address
     * @param vaddrBits the implemented virtual address bits (48 or 57)
     * @return whether {@code vaddr} is canonical
     */
    static boolean isCanonical(long vaddr, int vaddrBits) {
        return canonicalAddress(vaddr, vaddrBits) == vaddr;
    }
}
