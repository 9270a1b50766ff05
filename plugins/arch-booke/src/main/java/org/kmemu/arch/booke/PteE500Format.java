package org.kmemu.arch.booke;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.PteFlags;

/**
 * The 64-bit e500 PTE used with CONFIG_PTE_64BIT (selected by CONFIG_PHYS_64BIT): nohash/32/pgtable.h
 * includes arch/powerpc/include/asm/nohash/pte-e500.h for "CONFIG_PPC_85xx &amp;&amp; CONFIG_PTE_64BIT", not
 * pte-85xx.h. Its bits follow the Book3E "Embedded Page Table" layout, with separate supervisor and user
 * permissions (BAP).
 *
 * <pre>
 *   63          48 47                          24 23 22 21 20 19 18 17..14 13 12 11..8  7  6  5  4  3  2  1  0
 *  +--------------+------------------------------+--+--+--+--+--+--+------+--+--+-----+--+--+--+--+--+--+--+--+
 *  |      0       |  RPN (PTE_RPN_SHIFT 24)       |W |I |M |G |E |A |U0-U3 |S0|D |PSIZE|UX|SX|UW|SW|UR|SR|S1|P |
 *  +--------------+------------------------------+--+--+--+--+--+--+------+--+--+-----+--+--+--+--+--+--+--+--+
 *   _PAGE_PRESENT 0x1   _PAGE_SW1 0x2   _PAGE_BAP_SR 0x4  _PAGE_BAP_UR 0x8  _PAGE_BAP_SW 0x10  _PAGE_BAP_UW 0x20
 *   _PAGE_BAP_SX 0x40   _PAGE_BAP_UX 0x80   _PAGE_PSIZE_MSK 0xf00 (_PAGE_TSIZE_4K 0x100)   _PAGE_DIRTY 0x1000
 *   _PAGE_SW0 0x2000 (_PAGE_SPECIAL)  _PAGE_ACCESSED 0x40000  _PAGE_ENDIAN 0x80000  _PAGE_GUARDED 0x100000
 *   _PAGE_COHERENT 0x200000  _PAGE_NO_CACHE 0x400000  _PAGE_WRITETHRU 0x800000
 *   physical address = (pte &gt;&gt; PTE_RPN_SHIFT) &lt;&lt; PAGE_SHIFT, up to 36 bits
 * </pre>
 *
 * <b>User pages are marked.</b> _PAGE_READ = BAP_SR | BAP_UR, _PAGE_WRITE = BAP_SW | BAP_UW, while the kernel
 * protections are _PAGE_KERNEL_RW = BAP_SW | BAP_SR | DIRTY and _PAGE_KERNEL_RO = BAP_SR (pte-e500.h): USER
 * decodes from _PAGE_BAP_UR. User executable protections carry BAP_UX only (_PAGE_RWX, and pte_mkexec clears
 * BAP_SX), kernel ones BAP_SX, so EXEC decodes from UX on a user page and from SX on a kernel page. The miss
 * handler moves the six BAP bits into MAS3 unchanged ("Move in perm bits"), dropping SW/UW while
 * _PAGE_DIRTY is clear; it loads a data entry only with _PAGE_PRESENT and BAP_SR, so an entry without BAP_SR
 * decodes as not present (see {@link Pte85xxFormat} for the same rule).
 *
 * <p><b>GLOBAL</b> has no bit either: TID 0 is chosen by the address ({@link E500PageTableFormat}). The
 * address-free decode reports GLOBAL for entries without BAP_UR, which is where the kernel puts them.
 */
final class PteE500Format extends E500PageTableFormat {
    static final long _PAGE_PRESENT = 0x000001;
    static final long _PAGE_SW1 = 0x000002;
    static final long _PAGE_BAP_SR = 0x000004;
    static final long _PAGE_BAP_UR = 0x000008;
    static final long _PAGE_BAP_SW = 0x000010;
    static final long _PAGE_BAP_UW = 0x000020;
    static final long _PAGE_BAP_SX = 0x000040;
    static final long _PAGE_BAP_UX = 0x000080;
    static final long _PAGE_PSIZE_MSK = 0x000f00;
    static final long _PAGE_TSIZE_4K = 0x000100;
    static final long _PAGE_DIRTY = 0x001000;
    static final long _PAGE_SW0 = 0x002000;
    static final long _PAGE_ACCESSED = 0x040000;
    static final long _PAGE_ENDIAN = 0x080000;
    static final long _PAGE_GUARDED = 0x100000;
    static final long _PAGE_COHERENT = 0x200000;
    static final long _PAGE_NO_CACHE = 0x400000;
    static final long _PAGE_WRITETHRU = 0x800000;
    static final int PTE_RPN_SHIFT = 24;
    /** MAX_POSSIBLE_PHYSMEM_BITS 36 with CONFIG_PTE_64BIT on ppc32 (nohash/32/pgtable.h). */
    static final long PHYS_LIMIT = 1L << 36;

    private static final long[] BITS = {_PAGE_PRESENT, _PAGE_SW1, _PAGE_BAP_SR, _PAGE_BAP_UR, _PAGE_BAP_SW,
        _PAGE_BAP_UW, _PAGE_BAP_SX, _PAGE_BAP_UX, _PAGE_DIRTY, _PAGE_SW0, _PAGE_ACCESSED, _PAGE_ENDIAN,
        _PAGE_GUARDED, _PAGE_COHERENT, _PAGE_NO_CACHE, _PAGE_WRITETHRU};
    private static final String[] NAMES = {"PRESENT", "SW1", "BAP_SR", "BAP_UR", "BAP_SW", "BAP_UW", "BAP_SX",
        "BAP_UX", "DIRTY", "SPECIAL", "ACCESSED", "ENDIAN", "GUARDED", "COHERENT", "NO_CACHE", "WRITETHRU"};

    /**
     * @param layout   the machine's layout, for __pa/__va of PGD entries and PAGE_OFFSET
     * @param coherent CONFIG_SMP: _PAGE_BASE includes _PAGE_COHERENT
     */
    PteE500Format(KernelLayout layout, boolean coherent) {
        super(layout, 9, coherent);
    }

    @Override
    public int entryBytes() {
        return 8;
    }

    @Override
    int decodePte(long e, boolean kernelAddr) {
        if ((e & (_PAGE_PRESENT | _PAGE_BAP_SR)) != (_PAGE_PRESENT | _PAGE_BAP_SR)) {
            return 0;
        }
        boolean user = (e & _PAGE_BAP_UR) != 0;
        int f = PteFlags.PRESENT;
        if (user) {
            f |= PteFlags.USER;
        }
        if (kernelAddr) {
            f |= PteFlags.GLOBAL;
        }
        if ((e & _PAGE_BAP_SW) != 0) {
            f |= PteFlags.WRITE;
        }
        if ((e & (user ? _PAGE_BAP_UX : _PAGE_BAP_SX)) != 0) {
            f |= PteFlags.EXEC;
        }
        if ((e & _PAGE_ACCESSED) != 0) {
            f |= PteFlags.ACCESSED;
        }
        if ((e & _PAGE_DIRTY) != 0) {
            f |= PteFlags.DIRTY;
        }
        if ((e & _PAGE_NO_CACHE) != 0) {
            f |= PteFlags.NO_CACHE;
        }
        if ((e & _PAGE_GUARDED) != 0) {
            f |= PteFlags.GUARDED;
        }
        if ((e & _PAGE_WRITETHRU) != 0) {
            f |= PteFlags.WRITE_THROUGH;
        }
        if ((e & _PAGE_SW0) != 0) {
            f |= PteFlags.SPECIAL;
        }
        return f;
    }

    /** The address-free view: kernel entries (no BAP_UR) behave as global, user entries do not. */
    @Override
    int decodeAddressFree(long e) {
        int f = decodePte(e, true);
        return (f & PteFlags.USER) != 0 ? f & ~PteFlags.GLOBAL : f;
    }

    @Override
    long ptePhys(long e) {
        return (e >>> PTE_RPN_SHIFT) << BookeLayout.PAGE_SHIFT;
    }

    @Override
    long encodePte(long pagePhys, int flags) {
        if (pagePhys >= PHYS_LIMIT) {
            throw new IllegalArgumentException(String.format("pagePhys: 0x%x (expected: below 2^36)", pagePhys));
        }
        boolean user = (flags & PteFlags.USER) != 0;
        long e = (pagePhys >>> BookeLayout.PAGE_SHIFT) << PTE_RPN_SHIFT;
        e |= ptePermBits(flags & (PteFlags.ACCESSED | PteFlags.DIRTY | PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH
                | PteFlags.GUARDED | PteFlags.SPECIAL));
        if ((flags & PteFlags.PRESENT) != 0) {
            // _PAGE_BASE_NC = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_TSIZE_4K (accessed is left to the caller)
            e |= _PAGE_PRESENT | _PAGE_TSIZE_4K | _PAGE_BAP_SR | (user ? _PAGE_BAP_UR : 0);
            if (coherent && (flags & PteFlags.NO_CACHE) == 0) {
                e |= _PAGE_COHERENT;
            }
        }
        if ((flags & PteFlags.WRITE) != 0) {
            e |= _PAGE_BAP_SW | (user ? _PAGE_BAP_UW : 0);
        }
        if ((flags & PteFlags.EXEC) != 0) {
            e |= user ? _PAGE_BAP_UX : _PAGE_BAP_SX;
        }
        return e;
    }

    @Override
    long ptePermBits(int flags) {
        long e = 0;
        if ((flags & PteFlags.ACCESSED) != 0) {
            e |= _PAGE_ACCESSED;
        }
        if ((flags & PteFlags.DIRTY) != 0) {
            e |= _PAGE_DIRTY;
        }
        if ((flags & PteFlags.NO_CACHE) != 0) {
            e |= _PAGE_NO_CACHE;
        }
        if ((flags & PteFlags.GUARDED) != 0) {
            // ioremap's pgprot_noncached is _PAGE_NO_CACHE | _PAGE_GUARDED; ioremap_wc's pgprot_noncached_wc
            // is _PAGE_NO_CACHE alone (arch/powerpc/include/asm/pgtable.h), so the two bits come separately.
            e |= _PAGE_GUARDED;
        }
        if ((flags & PteFlags.WRITE_THROUGH) != 0) {
            e |= _PAGE_WRITETHRU;
        }
        if ((flags & PteFlags.SPECIAL) != 0) {
            e |= _PAGE_SW0; // pte_mkspecial()
        }
        return e;
    }

    @Override
    String describePte(long e) {
        if ((e & _PAGE_PRESENT) == 0) {
            return notPresent(e);
        }
        StringBuilder sb = new StringBuilder(String.format("0x%09x", ptePhys(e)));
        for (int i = 0; i < BITS.length; i++) {
            if ((e & BITS[i]) != 0) {
                sb.append(' ').append(NAMES[i]);
            }
        }
        long psize = e & _PAGE_PSIZE_MSK;
        if (psize != 0) {
            sb.append(psize == _PAGE_TSIZE_4K ? " TSIZE_4K" : String.format(" PSIZE 0x%x", psize));
        }
        return sb.toString();
    }
}
