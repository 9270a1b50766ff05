package org.kmemu.core.proc;

import org.kmemu.core.machine.Machine;
import org.kmemu.core.machine.Resource;

/**
 * /proc/iomem, as kernel/resource.c {@code r_show()} prints it (read by root, so with real
 * addresses): every resource below the root, depth first, one line each,
 * {@code "%*s%0*llx-%0*llx : %s"} with two spaces of indent per level below the root and the
 * addresses in lowercase hex zero-padded to 8 digits (the width for a root that ends above 0xffff;
 * wider values print in full). The kernel stops counting levels at MAX_IORES_LEVEL (5), so deeper
 * resources are printed with the indent of level 5.
 */
final class IoMem {
    /** MAX_IORES_LEVEL: the deepest indent r_show() computes (kernel/resource.c). */
    static final int MAX_IORES_LEVEL = 5;

    private IoMem() {
    }

    /**
     * @param m a booted machine
     * @return the file's text
     */
    static String render(Machine m) {
        return render(m.iomem());
    }

    /**
     * @param root the resource tree's root, which is not printed itself
     * @return the text r_show() prints for the tree
     */
    static String render(Resource root) {
        int width = Long.compareUnsigned(root.end(), 0x10000) < 0 ? 4 : 8;
        StringBuilder out = new StringBuilder();
        for (Resource r : root.children()) {
            print(out, r, 0, width);
        }
        return out.toString();
    }

    private static void print(StringBuilder out, Resource r, int depth, int width) {
        out.append(" ".repeat(2 * Math.min(depth, MAX_IORES_LEVEL)))
                .append(hex(r.start(), width)).append('-').append(hex(r.end(), width))
                .append(" : ").append(r.name() == null ? "<BAD>" : r.name()).append('\n');
        for (Resource c : r.children()) {
            print(out, c, depth + 1, width);
        }
    }

    private static String hex(long v, int width) {
        String s = Long.toHexString(v);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }
}
