package org.kmemu.arch.i386;

import java.util.ArrayList;
import java.util.List;

/**
 * How boot splits RAM into lowmem and highmem: {@code find_low_pfn_range()} followed by
 * {@code initmem_init()} (arch/x86/mm/init_32.c), without the {@code highmem=} boot parameter.
 *
 * <ul>
 *   <li>RAM that fits under MAXMEM_PFN is all lowmem: max_low_pfn = max_pfn ({@code lowmem_pfn_init}).</li>
 *   <li>Otherwise max_low_pfn = MAXMEM_PFN and the rest is highmem ({@code highmem_pfn_init}); a kernel
 *       without CONFIG_HIGHMEM drops it, warns, and sets max_pfn = MAXMEM_PFN.</li>
 *   <li>high_memory is the virtual address one past lowmem.</li>
 * </ul>
 *
 * RAM above what the physical address width reaches is refused before this runs (the kernel's e820
 * code clips it to MAX_ARCH_PFN); so the HIGHMEM4G "only 4GB will be used" trim cannot trigger here
 * and is reported by that check instead. Immutable.
 */
final class LowmemSplit {
    /** MAX_NONPAE_PFN: 4 GiB in pages (arch/x86/include/asm/setup.h). */
    static final long MAX_NONPAE_PFN = 1L << 20;

    private final long maxPfn;
    private final long maxLowPfn;
    private final long highMemory;
    private final List<String> messages;

    /**
     * @param e820MaxPfn max_pfn as the memory map gives it
     * @param o          the configuration
     * @param areas      the build-time areas (MAXMEM)
     * @throws IllegalArgumentException if RAM lies above the physical address limit
     */
    LowmemSplit(long e820MaxPfn, I386Options o, FixedAreas areas) {
        long limitPfn = 1L << (o.physAddressBits() - FixedAreas.PAGE_SHIFT);
        if (e820MaxPfn > limitPfn) {
            throw new IllegalArgumentException(String.format(
                    "max_pfn: %#x (expected: at most %#x, the %s that %d-bit physical addresses reach; %s)",
                    e820MaxPfn, limitPfn, o.pae() ? "64 GiB" : "4 GiB", o.physAddressBits(),
                    o.pae() ? "RAM above 64 GiB cannot be addressed even with PAE"
                            : "only 4GB can be used without PAE (HIGHMEM64G)"));
        }
        long maxmemPfn = areas.maxMemPfn();
        List<String> out = new ArrayList<>();
        long pfn = e820MaxPfn;
        long lowPfn;
        if (pfn <= maxmemPfn) {
            lowPfn = pfn;
        } else {
            lowPfn = maxmemPfn;
            if (!o.highmem()) {
                // Maximum memory usable is what is directly addressable.
                out.add(String.format("Warning only %dMB will be used.", areas.maxMem() >> 20));
                out.add(pfn > MAX_NONPAE_PFN ? "Use a HIGHMEM64G enabled kernel." : "Use a HIGHMEM enabled kernel.");
                pfn = maxmemPfn;
            }
            assert o.pae() || pfn <= MAX_NONPAE_PFN : "refused above";
        }
        long highstartPfn = lowPfn;
        if (o.highmem()) {
            out.add(String.format("%dMB HIGHMEM available.", pagesToMb(pfn - highstartPfn)));
        }
        out.add(String.format("%dMB LOWMEM available.", pagesToMb(lowPfn)));
        maxPfn = pfn;
        maxLowPfn = lowPfn;
        // high_memory = __va(highstart_pfn * PAGE_SIZE - 1) + 1
        highMemory = o.pageOffset() + (highstartPfn << FixedAreas.PAGE_SHIFT);
        messages = List.copyOf(out);
    }

    /** pages_to_mb(): pages >> (20 - PAGE_SHIFT). */
    private static long pagesToMb(long pages) {
        return pages >> (20 - FixedAreas.PAGE_SHIFT);
    }

    /** @return max_pfn after any trimming */
    long maxPfn() {
        return maxPfn;
    }

    /** @return max_low_pfn */
    long maxLowPfn() {
        return maxLowPfn;
    }

    /** @return high_memory */
    long highMemory() {
        return highMemory;
    }

    /** @return the lines the kernel prints, in its order */
    List<String> messages() {
        return messages;
    }
}
