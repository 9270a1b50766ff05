package org.kmemu.core.proc;

import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabInfo;
import org.kmemu.core.machine.Machine;

/**
 * /proc/slabinfo version 2.1 (mm/slab_common.c {@code slab_show}/{@code cache_show}): one line per
 * cache with the policy's counters; SLUB prints 0 for SLAB's tunables, SLAB its own.
 */
final class SlabInfoFile {
    private SlabInfoFile() {
    }

    static String render(Machine m) {
        StringBuilder out = new StringBuilder();
        out.append("slabinfo - version: 2.1\n");
        out.append("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit>"
                + " <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
        // slab_caches is a list with the newest cache first (list_add in create_cache); /proc prints it in that order.
        java.util.List<SlabCache> caches = new java.util.ArrayList<>(m.kernel().slab().caches());
        java.util.Collections.reverse(caches);
        for (SlabCache c : caches) {
            SlabInfo i = m.kernel().slab().slabInfo(c);
            out.append(String.format("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d%n", i.name(),
                    i.activeObjs(), i.numObjs(), i.objSize(), i.objPerSlab(), i.pagesPerSlab(), i.limit(), i.batchCount(),
                    i.sharedFactor(), i.activeSlabs(), i.numSlabs(), i.sharedAvail()));
        }
        return out.toString();
    }
}
