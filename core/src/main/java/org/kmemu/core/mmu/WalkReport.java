package org.kmemu.core.mmu;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * A page-table walk spelled out, for {@code kmemu translate}: per level the index into the table, the
 * entry's physical address and raw value, and its decoded bits; then the physical address or where
 * the walk stopped.
 *
 * @param vaddr    the virtual address
 * @param lines    the walk, one line per level, then the result
 * @param mapped   whether a present leaf was found
 * @param physical the physical address when mapped, else -1
 * @param flags    the leaf's effective {@link PteFlags} when mapped
 */
public record WalkReport(long vaddr, List<String> lines, boolean mapped, long physical, int flags) {

    static WalkReport of(PageTableWalker walker, long root, long vaddr) {
        PageTableFormat f = walker.format();
        Translation t = new Translation(walker.levels());
        boolean ok = walker.walk(root, vaddr, t);
        List<String> lines = new ArrayList<>();
        int digits = f.entryBytes() * 2;
        for (int level = 0; level < t.levelsRead; level++) {
            long index = (vaddr >>> f.indexShift(level)) & ((1L << f.indexBits(level)) - 1);
            lines.add(String.format("  %-3s[%4d] @ phys %#012x = %0" + digits + "x  %s", f.levelName(level), index,
                    t.entryAddrs[level], t.entries[level], f.describe(t.entries[level], level)));
        }
        if (!ok) {
            lines.add(String.format("  => not mapped: the %s entry is not present", f.levelName(t.levelsRead - 1)));
            return new WalkReport(vaddr, lines, false, -1, 0);
        }
        long phys = t.physical(vaddr);
        lines.add(String.format("  => %s page at phys %#x, offset %#x: phys %#x  [%s]", pageSize(t.pageShift), t.pagePhys,
                vaddr & ((1L << t.pageShift) - 1), phys, PteFlags.toString(t.flags)));
        return new WalkReport(vaddr, lines, true, phys, t.flags);
    }

    private static String pageSize(int shift) {
        return shift >= 30 ? (1 << (shift - 30)) + " GiB" : shift >= 20 ? (1 << (shift - 20)) + " MiB" : (1 << (shift - 10)) + " KiB";
    }
}
