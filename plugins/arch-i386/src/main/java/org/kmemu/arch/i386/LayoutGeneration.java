package org.kmemu.arch.i386;

import java.util.Locale;

/**
 * Which generation of the x86-32 kernel's virtual layout rules to follow. The three differ in how the
 * areas above lowmem are stacked and so in where lowmem ends:
 *
 * <pre>
 *   generation  MAXMEM                                       PKMAP_BASE sits below          VMALLOC_START
 *   CLASSIC     -PAGE_OFFSET - __VMALLOC_RESERVE              the boot fixmap, PMD-aligned   (high_memory + 16M - 1) &amp; ~(8M - 1)
 *   LEGACY      VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE the boot fixmap, PMD-aligned   high_memory + 8M
 *   CURRENT     VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE the LDT remap and the          high_memory + 8M
 *                                                             cpu_entry_area
 * </pre>
 *
 * CLASSIC is 2.6.x's include/asm-i386/page.h and pgtable.h, where 3G/128M gives exactly 896 MiB.
 * LEGACY is arch/x86/include/asm/pgtable_32_types.h from about 2.6.28 (the exact first version is not verified) to 4.14, the
 * kernels whose "virtual kernel memory layout" dmesg is in the facts file section 1.2. CURRENT is
 * arch/x86/include/asm/pgtable_32_areas.h (4.15+, where PTI added the cpu_entry_area and LDT remap).
 */
enum LayoutGeneration {
    /** 4.15 and later: cpu_entry_area and LDT sit between pkmap and the fixmap. */
    CURRENT,
    /** About 2.6.28 to 4.14: pkmap right below the fixmap, MAXMEM derived from VMALLOC_END. */
    LEGACY,
    /** 2.6.x i386: MAXMEM = -PAGE_OFFSET - __VMALLOC_RESERVE (896 MiB with the defaults). */
    CLASSIC;

    /**
     * @param name a config value, case-insensitive
     * @return the generation, or null if the name matches none
     */
    static LayoutGeneration parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        for (LayoutGeneration g : values()) {
            if (g.name().equals(n)) {
                return g;
            }
        }
        return null;
    }

    /** @return the name the config uses */
    String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
