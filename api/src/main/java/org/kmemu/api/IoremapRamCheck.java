package org.kmemu.api;

/**
 * Which rule an architecture's {@code ioremap} uses to refuse normal RAM (a driver must not map pages the
 * page allocator may hand out: the two mappings could disagree on caching and the data gets clobbered).
 * The core applies the rule and prints the architecture's message.
 *
 * <p><b>Who uses it.</b> The core's ioremap service, on the calling CPU's thread, before it reserves any
 * address space.
 *
 * @since 1.2
 */
public enum IoremapRamCheck {
    /**
     * x86 ({@code __ioremap_caller} and {@code __ioremap_check_ram}, arch/x86/mm/ioremap.c): refused if any
     * page of the range is System RAM with a valid {@code struct page} that is not {@code PageReserved}
     * ({@code WARN_ONCE(1, "%pS: ioremap on RAM at %pa - %pa\n")}); reserved RAM such as the BIOS page may
     * be mapped.
     */
    EVERY_PAGE_UNLESS_RESERVED,
    /**
     * 32-bit PowerPC ({@code __ioremap_caller}, arch/powerpc/mm/ioremap_32.c): refused if the first page is
     * RAM below {@code high_memory} ({@code pr_warn("%s(): phys addr 0x%llx is RAM lr %ps\n")}); highmem RAM
     * is not checked.
     */
    FIRST_PAGE_IF_LOWMEM
}
