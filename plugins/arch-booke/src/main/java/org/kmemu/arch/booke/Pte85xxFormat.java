package org.kmemu.arch.booke;

import org.kmemu.api.KernelLayout;
import org.kmemu.api.PteFlags;

/**
 * The 32-bit e500 PTE of arch/powerpc/include/asm/nohash/32/pte-85xx.h (the layout since the 6.9 "_PAGE_READ"
 * rework; CONFIG_PTE_64BIT off). The low six bits sit where MAS3's permission bits are, so the TLB miss
 * handler can move them with one rotate (the file's "MMU Assist Register 3" comment).
 *
 * <pre>
 *   31                               12  11   10   9    8    7    6    5    4    3    2    1    0
 *  +-----------------------------------+----+----+----+----+----+----+----+----+----+----+----+----+
 *  |   RPN: physical page number       |SPEC| W  | I  | M  | G  | E  | A  | X  | D  | WR | P  | RD |
 *  +-----------------------------------+----+----+----+----+----+----+----+----+----+----+----+----+
 *   _PAGE_READ 0x001 (SR)   _PAGE_PRESENT 0x002   _PAGE_WRITE 0x004 (SW)   _PAGE_DIRTY 0x008
 *   _PAGE_EXEC 0x010 (SX)   _PAGE_ACCESSED 0x020  _PAGE_ENDIAN 0x040 (E)   _PAGE_GUARDED 0x080 (G)
 *   _PAGE_COHERENT 0x100 (M)  _PAGE_NO_CACHE 0x200 (I)  _PAGE_WRITETHRU 0x400 (W)  _PAGE_SPECIAL 0x800
 *   RPN from bit 12 (PTE_RPN_SHIFT = PAGE_SHIFT, nohash/32/pgtable.h)
 * </pre>
 *
 * <b>There is no user bit.</b> PAGE_KERNEL = _PAGE_BASE | _PAGE_READ | _PAGE_WRITE | _PAGE_DIRTY and
 * PAGE_SHARED = _PAGE_BASE | _PAGE_READ | _PAGE_WRITE (asm/pgtable-masks.h): a kernel page and a user page differ
 * by nothing the hardware reads. The miss handler's finish_tlb_load (head_85xx.S, 32-bit branch, "Test for user
 * page" on cr5 = address &lt; PAGE_OFFSET) copies the S bits into the U bits (UR = _PAGE_READ, UW = _PAGE_WRITE,
 * UX = _PAGE_EXEC) and clears SX ("Clear SX on user pages") only for user addresses. So USER is decoded from
 * _PAGE_READ when the address is below PAGE_OFFSET ({@link #decode(long, int, long)}), never otherwise; the
 * address-free decode answers for a kernel address: GLOBAL, not USER. {@link PteFlags#USER} and
 * {@link PteFlags#GLOBAL} given to {@link #encodeLeaf} have no bit and are dropped.
 *
 * <p><b>Present.</b> pte_present() is _PAGE_PRESENT, but the data-TLB miss handler loads an entry only when
 * _PAGE_PRESENT and _PAGE_READ are both set (its "li r13,_PAGE_PRESENT|_PAGE_READ|_PAGE_ACCESSED" check); a
 * PROT_NONE entry (_PAGE_BASE only) is therefore decoded as not present. (An execute-only entry, _PAGE_NAX,
 * also decodes as not present: PteFlags has no separate read permission.) _PAGE_ACCESSED missing makes the
 * real handler take the slow path, which sets it; the emulator's refill does that with {@link #withFlags}.
 *
 * <p><b>Write.</b> The handler grants SW only when _PAGE_DIRTY is also set ("extract _PAGE_DIRTY into SW"); a
 * write to a clean writable page faults and handle_mm_fault marks it dirty. WRITE decodes from _PAGE_WRITE; the
 * refill sets DIRTY on the first write, which is the same observable result.
 */
final class Pte85xxFormat extends E500PageTableFormat {
    static final long _PAGE_READ = 0x001;
    static final long _PAGE_PRESENT = 0x002;
    static final long _PAGE_WRITE = 0x004;
    static final long _PAGE_DIRTY = 0x008;
    static final long _PAGE_EXEC = 0x010;
    static final long _PAGE_ACCESSED = 0x020;
    static final long _PAGE_ENDIAN = 0x040;
    static final long _PAGE_GUARDED = 0x080;
    static final long _PAGE_COHERENT = 0x100;
    static final long _PAGE_NO_CACHE = 0x200;
    static final long _PAGE_WRITETHRU = 0x400;
    static final long _PAGE_SPECIAL = 0x800;
    /** The RPN: everything above the 12 flag bits of a 32-bit entry. */
    static final long RPN_MASK = 0xfffff000L;

    private static final long[] BITS = {_PAGE_PRESENT, _PAGE_READ, _PAGE_WRITE, _PAGE_DIRTY, _PAGE_EXEC,
        _PAGE_ACCESSED, _PAGE_ENDIAN, _PAGE_GUARDED, _PAGE_COHERENT, _PAGE_NO_CACHE, _PAGE_WRITETHRU, _PAGE_SPECIAL};
    private static final String[] NAMES = {"PRESENT", "READ", "WRITE", "DIRTY", "EXEC", "ACCESSED", "ENDIAN",
        "GUARDED", "COHERENT", "NO_CACHE", "WRITETHRU", "SPECIAL"};

    /**
     * @param layout   the machine's layout, for __pa/__va of PGD entries and PAGE_OFFSET
     * @param coherent CONFIG_SMP: _PAGE_BASE includes _PAGE_COHERENT
     */
    Pte85xxFormat(KernelLayout layout, boolean coherent) {
        super(layout, 10, coherent);
    }

    @Override
    public int entryBytes() {
        return 4;
    }

    @Override
    int decodePte(long e, boolean kernelAddr) {
        if ((e & (_PAGE_PRESENT | _PAGE_READ)) != (_PAGE_PRESENT | _PAGE_READ)) {
            return 0;
        }
        int f = PteFlags.PRESENT | (kernelAddr ? PteFlags.GLOBAL : PteFlags.USER);
        if ((e & _PAGE_WRITE) != 0) {
            f |= PteFlags.WRITE;
        }
        if ((e & _PAGE_EXEC) != 0) {
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
        if ((e & _PAGE_SPECIAL) != 0) {
            f |= PteFlags.SPECIAL;
        }
        return f;
    }

    @Override
    long ptePhys(long e) {
        return e & RPN_MASK;
    }

    @Override
    long encodePte(long pagePhys, int flags) {
        if (pagePhys > RPN_MASK) {
            throw new IllegalArgumentException(String.format(
                    "pagePhys: 0x%x (expected: below 4 GiB with 32-bit PTEs; set phys-64bit)", pagePhys));
        }
        long e = pagePhys | ptePermBits(flags);
        if ((flags & PteFlags.PRESENT) != 0) {
            // _PAGE_BASE (_PAGE_BASE_NC for uncached mappings) plus _PAGE_READ of every readable protection
            e |= _PAGE_PRESENT | _PAGE_READ;
            if (coherent && (flags & PteFlags.NO_CACHE) == 0) {
                e |= _PAGE_COHERENT;
            }
        }
        return e;
    }

    @Override
    long ptePermBits(int flags) {
        long e = 0;
        if ((flags & PteFlags.WRITE) != 0) {
            e |= _PAGE_WRITE;
        }
        if ((flags & PteFlags.EXEC) != 0) {
            e |= _PAGE_EXEC;
        }
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
            e |= _PAGE_SPECIAL; // pte_mkspecial()
        }
        return e;
    }

    @Override
    String describePte(long e) {
        if ((e & _PAGE_PRESENT) == 0) {
            return notPresent(e);
        }
        StringBuilder sb = new StringBuilder(String.format("0x%08x", e & RPN_MASK));
        for (int i = 0; i < BITS.length; i++) {
            if ((e & BITS[i]) != 0) {
                sb.append(' ').append(NAMES[i]);
            }
        }
        return sb.toString();
    }
}
