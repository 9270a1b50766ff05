package org.kmemu.api;

/**
 * How a kernel mapping of physical memory is cached: the modes the ioremap family asks for, named as x86's
 * {@code enum page_cache_mode} names them (arch/x86/include/asm/pgtable_types.h). Each architecture turns a
 * mode into its own page-table bits with {@link ArchSpec#ioremapPteFlags}: x86 through the PAT index Linux
 * programs ({@code pat_init}, arch/x86/mm/pat/memtype.c), e500 through its WIMG bits.
 *
 * <p><b>Who uses it.</b> The core's ioremap service, on the calling CPU's thread.
 *
 * @since 1.2
 */
public enum PageCacheMode {
    /** Write-back, cached: {@code ioremap_cache}, {@code ioremap_coherent}. */
    WB,
    /** Write-combining: {@code ioremap_wc}. */
    WC,
    /** Uncached, overridable by an MTRR to WC (x86's UC-): {@code ioremap}, {@code ioremap_nocache}. */
    UC_MINUS,
    /** Strongly uncached: {@code ioremap_uc}. */
    UC
}
