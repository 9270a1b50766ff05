package org.kmemu.core.mm.memory;

import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.HandleTable;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.vma.AnonVma;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * The anonymous reverse map as far as the fault path needs it (mm/rmap.c): {@code anon_vma_prepare},
 * {@code folio_add_new_anon_rmap}, {@code folio_add_file_rmap_pte} and {@code folio_remove_rmap_pte}.
 *
 * <p>An anon_vma's pointer in {@code page->mapping} is a handle here ({@link MappingWord}): anon_vmas are
 * registered in a {@link HandleTable} and an {@link AnonVma}'s id is its handle, so
 * {@link #anonVma(long)} finds the anon_vma of a page from its word. The handles live in their own table,
 * apart from the page cache's address_spaces: PAGE_MAPPING_ANON tells the two name spaces apart.
 *
 * <p>Not modelled: the anon_vma_chain (every anon_vma a VMA's pages may belong to after fork) and the
 * anon_vma's degree and refcount; an anon_vma's handle is never given back, so a machine can make at most
 * {@link MappingWord#MAX_HANDLE} of them. Thread-safe: the table locks itself; a VMA's anon_vma is set
 * under the mm's page-table lock, as {@code __anon_vma_prepare} sets it under {@code mm->page_table_lock}.
 */
public final class AnonRmap {
    /** VM_ACCESS_FLAGS (include/linux/mm.h): the flags two VMAs may differ in and still share an anon_vma. */
    private static final long VM_ACCESS_FLAGS = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC;

    private static final AnonVma RESERVING = new AnonVma(0);

    private final HandleTable<AnonVma> anonVmas = new HandleTable<>("anon_vma", MappingWord.MAX_HANDLE);
    private final PageApi pages;
    private final PageFrames frames;
    private final int pageShift;

    /**
     * @param pages     the page API (mapcount, mapping word)
     * @param frames    the page frames (PG_anon_exclusive, PG_swapbacked)
     * @param pageShift PAGE_SHIFT
     */
    public AnonRmap(PageApi pages, PageFrames frames, int pageShift) {
        this.pages = pages;
        this.frames = frames;
        this.pageShift = pageShift;
    }

    /**
     * {@code anon_vma_alloc()}: a new anon_vma with its own handle.
     *
     * @return the anon_vma
     */
    public AnonVma anonVmaAlloc() {
        // The id must be the handle and is final: take a handle with a stand-in and give it back, then
        // register the real one, which gets the same handle (the table hands the last freed one out
        // first), all under the table's own lock so no other CPU takes it in between.
        synchronized (anonVmas) {
            int handle = anonVmas.add(RESERVING);
            anonVmas.remove(handle);
            AnonVma av = new AnonVma(handle);
            int again = anonVmas.add(av);
            assert again == handle : "anon_vma handle " + again + " != " + handle;
            return av;
        }
    }

    /**
     * @param word a page's {@link MappingWord} with PAGE_MAPPING_ANON
     * @return the anon_vma it points to ({@code folio_anon_vma}), or null
     */
    public AnonVma anonVma(long word) {
        int h = MappingWord.handle(word);
        return h == 0 ? null : anonVmas.get(h);
    }

    /**
     * {@code anon_vma_prepare()} (mm/rmap.c): gives the VMA an anon_vma before its first anonymous page,
     * reusing a neighbour's when the two VMAs could merge ({@code find_mergeable_anon_vma}, mm/vma.c:
     * adjacent, same file, flags equal but for VM_ACCESS_FLAGS and VM_SOFTDIRTY, contiguous pgoff). The
     * kernel also requires the neighbour's anon_vma to be its own, not one inherited by fork
     * ({@code list_is_singular}); kmemu has no anon_vma_chain to tell, so any neighbour's is taken.
     *
     * @param mm  the mm (its page-table lock orders two CPUs preparing one VMA)
     * @param vma the VMA
     * @return its anon_vma
     */
    public AnonVma anonVmaPrepare(Mm mm, Vma vma) {
        AnonVma av = vma.anonVma();
        if (av != null) {
            return av;
        }
        synchronized (mm.pageTableLock()) {
            av = vma.anonVma();
            if (av == null) {
                av = findMergeableAnonVma(mm, vma);
                if (av == null) {
                    av = anonVmaAlloc();
                }
                vma.setAnonVma(av);
            }
            return av;
        }
    }

    private AnonVma findMergeableAnonVma(Mm mm, Vma vma) {
        Vma next = mm.vmas().next(vma);
        if (next != null && next.anonVma() != null && compatible(vma, next)) {
            return next.anonVma();
        }
        Vma prev = mm.vmas().prev(vma);
        if (prev != null && prev.anonVma() != null && compatible(prev, vma)) {
            return prev.anonVma();
        }
        return null;
    }

    /** {@code anon_vma_compatible(a, b)}: a lies right below b and the two could be one VMA. */
    private boolean compatible(Vma a, Vma b) {
        return a.end() == b.start() && a.file() == b.file()
                && ((a.flags() ^ b.flags()) & ~(VM_ACCESS_FLAGS | VmFlags.VM_SOFTDIRTY)) == 0
                && b.pgoff() == a.pgoff() + ((a.end() - a.start()) >>> pageShift);
    }

    /**
     * {@code linear_page_index()}: the page index of an address in a VMA (for anonymous memory, the
     * address's page number when the VMA was made; it follows the VMA's pgoff through mremap).
     *
     * @param vma     the VMA
     * @param address an address in it
     * @return the index
     */
    public long linearPageIndex(Vma vma, long address) {
        return ((address - vma.start()) >>> pageShift) + vma.pgoff();
    }

    /**
     * {@code folio_add_new_anon_rmap(folio, vma, address, RMAP_EXCLUSIVE)}: a page no one else has seen
     * becomes anonymous (mapping = the VMA's anon_vma, index = linear_page_index), mapped once,
     * swap-backed and exclusive to this process (PG_anon_exclusive).
     *
     * @param pfn     the new page
     * @param av      the VMA's anon_vma
     * @param index   its linear page index
     */
    public void addNewAnonRmap(long pfn, AnonVma av, long index) {
        pages.setPageMapping(pfn, MappingWord.of((int) av.id(), MappingWord.PAGE_MAPPING_ANON, index));
        frames.testAndSetFlag(pfn, PageFlags.PG_SWAPBACKED | PageFlags.PG_UPTODATE | PageFlags.PG_ANON_EXCLUSIVE);
        pages.pageAddMapcount(pfn, 1);
    }

    /**
     * {@code folio_move_anon_rmap()}: an anon page that a write fault reuses moves to the faulting VMA's
     * anon_vma and becomes exclusive again.
     *
     * @param pfn the page
     * @param av  the VMA's anon_vma
     */
    public void moveAnonRmap(long pfn, AnonVma av) {
        long word = pages.pageMappingWord(pfn);
        if (MappingWord.handle(word) != av.id()) {
            pages.setPageMapping(pfn, MappingWord.of((int) av.id(), MappingWord.PAGE_MAPPING_ANON, MappingWord.index(word)));
        }
        frames.testAndSetFlag(pfn, PageFlags.PG_ANON_EXCLUSIVE);
    }

    /**
     * {@code folio_add_file_rmap_pte()}: a page-cache page gets one more PTE.
     *
     * @param pfn the page
     */
    public void addFileRmap(long pfn) {
        pages.pageAddMapcount(pfn, 1);
    }

    /**
     * {@code folio_remove_rmap_pte()}: one PTE fewer maps the page. The last unmap of an anonymous page
     * clears PG_anon_exclusive; the mapping stays until the page is freed (free_pages_prepare clears it).
     *
     * @param cpu the calling CPU
     * @param pfn the page
     */
    public void removeRmap(Cpu cpu, long pfn) {
        int left = pages.pageAddMapcount(pfn, -1); // an underflow is PageApi's VM_BUG_ON_PAGE report
        if (left == 0) {
            frames.clearFlag(pfn, PageFlags.PG_ANON_EXCLUSIVE);
        }
    }

    /** @param pfn a page @return {@code PageAnonExclusive()} */
    public boolean anonExclusive(long pfn) {
        return (frames.flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE) != 0;
    }

    /** @param pfn a page @return {@code PageAnon()} */
    public boolean isAnon(long pfn) {
        return pages.pageAnon(pfn);
    }
}
