package org.kmemu.core.mmu;

import java.util.List;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.PteFlags;

/**
 * Translations pinned at boot in variable-size entries that never miss and are never flushed: e500's
 * TLB1 entries with IPROT set, one per lowmem CAM (arch/powerpc/mm/nohash/e500.c settlbcam). Searched
 * on every main-TLB miss, before any walk, as the hardware searches TLB0 and TLB1 together.
 * Immutable after boot.
 */
final class PinnedTlb {
    private final long[] virt;
    private final long[] size;
    private final long[] phys;
    private final int[] flags;

    PinnedTlb(List<KernelMapping> entries) {
        int n = entries.size();
        virt = new long[n];
        size = new long[n];
        phys = new long[n];
        flags = new int[n];
        for (int i = 0; i < n; i++) {
            KernelMapping m = entries.get(i);
            virt[i] = m.virt();
            size[i] = m.size();
            phys[i] = m.phys();
            flags[i] = m.flags() | PteFlags.PRESENT | PteFlags.ACCESSED | PteFlags.DIRTY;
        }
    }

    int size() {
        return virt.length;
    }

    /** @return the entry covering {@code vaddr}, or -1 */
    int find(long vaddr) {
        for (int i = 0; i < virt.length; i++) {
            if (Long.compareUnsigned(vaddr - virt[i], size[i]) < 0) {
                return i;
            }
        }
        return -1;
    }

    long physical(int entry, long vaddr) {
        return phys[entry] + (vaddr - virt[entry]);
    }

    int flags(int entry) {
        return flags[entry];
    }
}
