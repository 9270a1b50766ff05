package org.kmemu.core.mm.memory;

import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mmu.Cpu;

/**
 * The user half of a process's page tables, in emulated RAM in the architecture's format: the walk from
 * {@code mm->pgd} down to a PTE ({@code pgd_offset} → … → {@code pte_offset_map}), allocating missing
 * tables on the way as {@code __pte_alloc} and friends do, and reading and writing PTEs
 * ({@code ptep_get}, {@code set_pte_at}).
 *
 * <p><b>Locking.</b> The kernel guards a process's tables with {@code mm->page_table_lock} (and split PTE
 * locks); kmemu uses the mm's {@link Mm#pageTableLock()} monitor for both: hold it around a read-check-write
 * of a PTE ({@code pte_offset_map_lock}). {@link #ptep} takes it itself while it allocates, so that two CPUs
 * faulting the same mm never both install a table for one slot (the loser frees its page, as
 * {@code pmd_install} does).
 *
 * <p>Table pages are {@code GFP_PGTABLE_USER} (GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT,
 * include/asm-generic/pgalloc.h), allocated as the calling CPU.
 */
public final class UserPageTables {
    /** {@link #ptep}'s answer when the table is missing and was not, or could not be, allocated. */
    public static final long NO_PTEP = -1;

    private final PhysicalMemory memory;
    private final PageTableFormat format;
    private final PageApi pages;
    private final int pageShift;
    private final int last;
    private final int entryBytes;
    private final boolean pteSpecial;

    /**
     * @param memory    RAM, where the tables live
     * @param format    the architecture's page-table format
     * @param pages     the page API tables come from
     * @param pageShift PAGE_SHIFT
     */
    public UserPageTables(PhysicalMemory memory, PageTableFormat format, PageApi pages, int pageShift) {
        this.memory = memory;
        this.format = format;
        this.pages = pages;
        this.pageShift = pageShift;
        this.last = format.levels() - 1;
        this.entryBytes = format.entryBytes();
        long probe = format.encodeLeaf(0, last, PteFlags.PRESENT | PteFlags.USER | PteFlags.SPECIAL);
        this.pteSpecial = (format.decode(probe, last, 0L) & PteFlags.SPECIAL) != 0;
    }

    /**
     * @return CONFIG_ARCH_HAS_PTE_SPECIAL: whether the format keeps {@link PteFlags#SPECIAL} (every shipped
     *         one; a plugin built against api 1.1 does not). Without it vm_normal_page decides by the VMA
     *         (VM_PFNMAP) and gup-fast is not used, as Linux leaves CONFIG_HAVE_GUP_FAST off without pte_special.
     */
    public boolean hasPteSpecial() {
        return pteSpecial;
    }

    /** @return the architecture's page-table format */
    public PageTableFormat format() {
        return format;
    }

    /** @return PAGE_SHIFT */
    public int pageShift() {
        return pageShift;
    }

    /**
     * The PTE slot of a user address ({@code pte_offset_map}, or {@code pte_alloc_map} when
     * {@code allocate}).
     *
     * @param cpu      the calling CPU (missing tables are allocated as this CPU)
     * @param mm       the address space
     * @param addr     a user address below TASK_SIZE
     * @param allocate whether to allocate missing tables
     * @return the physical address of the PTE, or {@link #NO_PTEP} when a table is missing and
     *         {@code allocate} is false, or no page was left for it (-ENOMEM)
     */
    public long ptep(Cpu cpu, Mm mm, long addr, boolean allocate) {
        long table = mm.pgdPhys();
        for (int level = 0; level < last; level++) {
            long slot = entryAddress(table, level, addr);
            long entry = readEntry(slot);
            int decoded = format.decode(entry, level);
            if ((decoded & PteFlags.PRESENT) == 0) {
                if (!allocate) {
                    return NO_PTEP;
                }
                long next = installTable(cpu, mm, slot, level);
                if (next < 0) {
                    return NO_PTEP;
                }
                table = next;
            } else if ((decoded & PteFlags.HUGE) != 0) {
                throw new IllegalStateException(String.format("user address %#x: a %s huge page (not modelled for user memory)",
                        addr, format.levelName(level)));
            } else {
                table = format.address(entry, level);
            }
        }
        return entryAddress(table, last, addr);
    }

    /**
     * The last-level table that holds {@code addr}'s PTE ({@code pte_offset_map}'s table), without allocating:
     * a walker that visits many PTEs of one table (get_user_pages over a range) looks it up once. The table
     * stays while the mmap lock is held: page tables are freed only under it for write (free_pgtables).
     *
     * @param mm   the address space
     * @param addr a user address
     * @return the table's physical address, or {@link #NO_PTEP} when a level above it is missing
     */
    public long pteTable(Mm mm, long addr) {
        long table = mm.pgdPhys();
        for (int level = 0; level < last; level++) {
            long entry = readEntry(entryAddress(table, level, addr));
            int decoded = format.decode(entry, level);
            if ((decoded & PteFlags.PRESENT) == 0 || (decoded & PteFlags.HUGE) != 0) {
                return NO_PTEP;
            }
            table = format.address(entry, level);
        }
        return table;
    }

    /** @return the bytes of address space one last-level table maps (PMD_SIZE on x86, PGDIR_SIZE on e500) */
    public long pteTableSpan() {
        return 1L << (format.indexShift(last) + format.indexBits(last));
    }

    /**
     * @param table a last-level table from {@link #pteTable}
     * @param addr  an address it maps
     * @return the PTE's physical address
     */
    public long ptepIn(long table, long addr) {
        return entryAddress(table, last, addr);
    }

    /** Allocates and installs the table below {@code slot} unless another CPU did first; -1 on -ENOMEM. */
    private long installTable(Cpu cpu, Mm mm, long slot, int level) {
        long pfn = pages.allocPages(cpu, Gfp.GFP_KERNEL_ACCOUNT | Gfp.__GFP_ZERO, 0);
        if (pfn == PageAllocator.NO_PFN) {
            return -1;
        }
        long phys = pfn << pageShift;
        synchronized (mm.pageTableLock()) {
            long entry = readEntry(slot);
            if ((format.decode(entry, level) & PteFlags.PRESENT) != 0) {
                // pmd_install(): another CPU populated it while we allocated; ours goes back.
                pages.putPage(cpu, pfn);
                return format.address(entry, level);
            }
            writeEntry(slot, format.encodeTable(phys, level, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.USER));
            mm.addPageTablePages(1);
            return phys;
        }
    }

    /**
     * @param ptep a PTE's physical address (or any table entry's: the width is the format's at every level)
     * @return the PTE ({@code ptep_get})
     */
    public long readPte(long ptep) {
        return readEntry(ptep);
    }

    /**
     * {@code set_pte_at} / {@code pte_clear}: writes a PTE. The caller holds the page-table lock and
     * flushes TLBs where an existing translation changed.
     *
     * @param ptep the PTE's physical address
     * @param pte  the new entry (0 clears it)
     */
    public void writePte(long ptep, long pte) {
        writeEntry(ptep, pte);
    }

    /**
     * {@code ptep_get_and_clear()}: clears a PTE atomically, so that an accessed/dirty bit a hardware
     * walker sets at the same moment is in the answer, not lost. The caller holds the page-table lock.
     *
     * @param ptep the PTE's physical address
     * @return the entry it held
     */
    public long getAndClearPte(long ptep) {
        return entryBytes == 8 ? memory.getAndSetLong(ptep, 0) : memory.getAndSetInt(ptep, 0) & 0xffffffffL;
    }

    /**
     * A PTE update that fails if the entry changed since it was read (a walker set accessed or dirty):
     * {@code ptep_modify_prot_start/commit}'s guarantee. The caller holds the page-table lock and retries.
     *
     * @param ptep   the PTE's physical address
     * @param expect the entry read
     * @param pte    the new entry
     * @return whether it was written
     */
    public boolean compareAndSetPte(long ptep, long expect, long pte) {
        return entryBytes == 8 ? memory.compareAndSetLong(ptep, expect, pte)
                : memory.compareAndSetInt(ptep, (int) expect, (int) pte);
    }

    /**
     * x86's {@code PAGE_NONE} PTE ({@code _PAGE_PROTNONE} with the present bit clear): the page stays
     * mapped (its frame is in the entry, its reference and mapcount held) but no access goes through:
     * the walk finds it not present and faults. Only {@link #pteNone} tells it from an empty entry. It
     * carries no accessed or dirty bit: whoever makes one moves a dirty bit to the page first.
     *
     * @param pfn the page frame
     * @return the entry: the frame's address with no flag set
     */
    public long mkProtNone(long pfn) {
        return format.encodeLeaf(pfn << pageShift, last, 0);
    }

    /** @param pte a PTE @return {@code pte_none()}: the entry maps nothing (not even a PROT_NONE page) */
    public static boolean pteNone(long pte) {
        return pte == 0;
    }

    /** @return bytes of address space one last-level table maps (PMD_SIZE on x86_64, PGDIR_SIZE on 2-level) */
    public long tableSpan() {
        return 1L << (format.indexShift(last) + format.indexBits(last));
    }

    /** @param pte a user PTE @return its {@link PteFlags} ({@code pte_present}, {@code pte_write}, …) */
    public int flags(long pte) {
        // As met translating a user address: e500's PTE has no user bit, the address decides (decode's
        // vaddr variant); 0 stands for any address below TASK_SIZE.
        return format.decode(pte, last, 0L);
    }

    /** @param pte a PTE @return whether it maps a page ({@code pte_present}) */
    public boolean present(long pte) {
        return (format.decode(pte, last, 0L) & PteFlags.PRESENT) != 0;
    }

    /** @param pte a present (or PROT_NONE) PTE @return the page frame it maps ({@code pte_pfn}) */
    public long pfn(long pte) {
        return format.address(pte, last) >>> pageShift;
    }

    /**
     * {@code mk_pte} / {@code pfn_pte}.
     *
     * @param pfn   a page frame
     * @param flags {@link PteFlags} (PRESENT is added)
     * @return the PTE in the architecture's format
     */
    public long mkPte(long pfn, int flags) {
        return format.encodeLeaf(pfn << pageShift, last, flags | PteFlags.PRESENT);
    }

    /**
     * @param pte   a present PTE
     * @param flags the new {@link PteFlags} (PRESENT is added)
     * @return the PTE mapping the same page with {@code flags} ({@code pte_wrprotect}, {@code pte_mkwrite}, …)
     */
    public long withFlags(long pte, int flags) {
        // PageTableFormat.withFlags only ORs in accessed/dirty (the hardware's update); a protection change
        // (pte_wrprotect, pte_mkclean, pte_mkold) re-encodes the leaf with the new flags.
        return format.encodeLeaf(format.address(pte, last), last, flags | PteFlags.PRESENT);
    }

    private long entryAddress(long table, int level, long vaddr) {
        long index = (vaddr >>> format.indexShift(level)) & ((1L << format.indexBits(level)) - 1);
        return table + index * entryBytes;
    }

    private long readEntry(long addr) {
        return entryBytes == 8 ? memory.readLong(addr) : memory.readInt(addr) & 0xffffffffL;
    }

    private void writeEntry(long addr, long value) {
        if (entryBytes == 8) {
            memory.writeLongAtomic(addr, value);
        } else {
            memory.writeIntAtomic(addr, (int) value);
        }
    }
}
