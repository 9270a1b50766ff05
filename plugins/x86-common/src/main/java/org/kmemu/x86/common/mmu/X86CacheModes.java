package org.kmemu.x86.common.mmu;

import org.kmemu.api.PageCacheMode;
import org.kmemu.api.PteFlags;

/**
 * The PTE cache bits of each {@link PageCacheMode} on x86, through the PAT Linux programs at boot
 * ({@code pat_init} / {@code init_cache_modes}, arch/x86/mm/pat/memtype.c). The three bits PAT, PCD, PWT of
 * a 4 KiB PTE index the PAT MSR, whose entries Linux sets to
 * <pre>
 *   index  PAT PCD PWT  type
 *     0     0   0   0   WB
 *     1     0   0   1   WC    (the legacy WT slot, reprogrammed)
 *     2     0   1   0   UC-
 *     3     0   1   1   UC
 *     4..7  1   x   x   WB, WP, UC-, WT   (not used by ioremap's modes)
 * </pre>
 * so {@code cachemode2protval()} gives WB = none, WC = PWT, UC- = PCD, UC = PCD|PWT.
 */
public final class X86CacheModes {
    private X86CacheModes() {
    }

    /**
     * @param mode a cache mode
     * @return its {@link PteFlags} cache bits
     */
    public static int pteFlags(PageCacheMode mode) {
        return switch (mode) {
            case WB -> 0;
            case WC -> PteFlags.WRITE_THROUGH;
            case UC_MINUS -> PteFlags.NO_CACHE;
            case UC -> PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH;
        };
    }
}
