/**
 * User memory below the VMA layer: the page faults of mm/memory.c ({@code handle_mm_fault}), the
 * architecture's fault handler ({@code do_user_addr_fault}), and the page-table operations of munmap,
 * mprotect, mremap, MAP_POPULATE and exit ({@link org.kmemu.core.mm.memory.UserPageTableOps}), reached
 * through {@link org.kmemu.core.mm.memory.UserMemory} ({@code kernel().memory()}).
 *
 * <h2>PTE conventions (what fork's copy_page_range and GUP build on)</h2>
 * User PTEs live in the mm's tables in the architecture's format ({@link org.kmemu.core.mm.memory.UserPageTables});
 * {@link org.kmemu.api.PteFlags} names their bits. As in Linux:
 * <ul>
 *   <li><b>Empty</b> ({@code pte_none}): the entry is 0. Nothing is mapped; the first touch faults.</li>
 *   <li><b>Present</b>: USER always; EXEC if VM_EXEC; WRITE only when the process may write the page
 *       right now. ACCESSED is set when the fault maps the page (and by the MMU on a walk), DIRTY on a write
 *       fault (and by the MMU on a write).</li>
 *   <li><b>Copy-on-write</b> is a present PTE <i>without</i> WRITE in a VMA <i>with</i> VM_WRITE and
 *       without VM_SHARED (a private writable mapping). There is no separate COW bit: the write fault
 *       ({@code do_wp_page}) decides between reuse (an anonymous page with PG_anon_exclusive or a single
 *       reference) and copy. fork write-protects a private writable page in both mms, clears
 *       PG_anon_exclusive, and takes a reference and a mapcount for the child's PTE.</li>
 *   <li><b>The zero page</b>: an anonymous read fault maps {@link org.kmemu.core.mm.memory.UserMemory#zeroPfn()}
 *       read-only. It holds no reference and no mapcount and counts in no RSS ({@code vm_normal_page} is
 *       NULL for it); a write copies it (a new zeroed page).</li>
 *   <li><b>Private pages of a file</b> mapped by a read fault are the page-cache page, read-only; a write
 *       makes an anonymous copy. Shared writable file mappings map the page-cache page writable after
 *       {@code ->page_mkwrite}; DIRTY in their PTE reaches the page (PG_dirty) when the PTE is zapped.</li>
 *   <li><b>PROT_NONE</b> (a VMA with none of VM_READ, VM_WRITE, VM_EXEC, after mprotect): a non-zero entry
 *       without PRESENT that still holds the frame (x86's {@code _PAGE_PROTNONE}); the page keeps its
 *       reference and mapcount. {@code pte_none} (== 0) tells empty from PROT_NONE.</li>
 *   <li><b>References</b>: every present PTE of a page other than the zero page holds one reference
 *       ({@code page_ref_count}) and one mapcount. Anonymous pages have {@code page->mapping} = their anon_vma
 *       with PAGE_MAPPING_ANON and {@code index} = {@code linear_page_index}
 *       ({@link org.kmemu.core.mm.MappingWord}), PG_swapbacked and, while one process owns them,
 *       PG_anon_exclusive.</li>
 *   <li><b>RSS</b>: {@code Mm.MM_ANONPAGES} for anonymous pages, {@code MM_FILEPAGES} for page-cache pages,
 *       {@code MM_SHMEMPAGES} for the pages of shared anonymous mappings (no shmem yet: they are unnamed
 *       pages of one mm).</li>
 * </ul>
 *
 * <h2>Locking</h2>
 * The mmap lock (read) around a fault, write for munmap/mprotect/mremap; {@code Mm.pageTableLock()} around
 * every read-check-write of a PTE. The MMU sets ACCESSED/DIRTY with a compare-and-set, and PTEs are cleared
 * with an atomic exchange, so neither side loses the other's update. A present PTE that changes is flushed
 * from every CPU running the mm ({@code Mmu.flushTlbMmRange}) before the old page can be freed.
 */
package org.kmemu.core.mm.memory;
