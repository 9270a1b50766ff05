package org.kmemu.core.cli;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.VirtualArea;
import org.kmemu.core.machine.KernelImage;
import org.kmemu.core.machine.Machine;

/**
 * The kernel's virtual memory layout in the shape the i386 kernel printed it at boot
 * ("virtual kernel memory layout:", arch/x86/mm/init_32.c mem_init until 5.7): one line per area,
 * highest first, then the kernel image's sections. 32-bit architectures print 8 hex digits, 64-bit
 * ones 16; sizes use the largest unit that keeps four digits, as the kernel's fixed kB/MB columns do
 * for the 32-bit areas.
 */
final class LayoutReport {
    private LayoutReport() {
    }

    static List<String> lines(Machine machine) {
        KernelLayout layout = machine.layout();
        int digits = machine.arch().virtAddressBits() > 32 ? 16 : 8;
        List<String> out = new ArrayList<>();
        out.add("virtual kernel memory layout (" + machine.arch().description() + "):");
        // The kernel's column is 8 wide ("vmalloc : "); longer area names widen it for every line.
        int width = 8;
        for (VirtualArea a : layout.areas()) {
            width = Math.max(width, a.name().length());
        }
        for (VirtualArea a : layout.areas()) {
            out.add(line(a.name(), a.start(), a.end(), digits, 4, width) + mapped(machine, a));
        }
        KernelImage k = machine.kernelImage();
        out.add(line(".init", layout.kernelImageVa(k.initStart()), layout.kernelImageVa(k.initEnd()), digits, 6, width));
        out.add(line(".data", layout.kernelImageVa(k.dataStart()), layout.kernelImageVa(k.dataEnd()), digits, 6, width));
        out.add(line(".text", layout.kernelImageVa(k.textStart()), layout.kernelImageVa(k.textEnd()), digits, 6, width));
        out.add(String.format("PAGE_OFFSET %s  TASK_SIZE %s  high_memory %s  max_low_pfn %#x  max_pfn %#x",
                hex(layout.pageOffset(), digits), hex(layout.taskSize(), digits), hex(layout.highMemory(), digits),
                layout.maxLowPfn(), layout.maxPfn()));
        if (layout.lastPkmap() > 0) {
            out.add(String.format("LAST_PKMAP %d  PKMAP_BASE %s", layout.lastPkmap(), hex(layout.pkmapBase(), digits)));
        }
        return out;
    }

    /**
     * What boot put in the kernel page tables for an area: "  [mapped: direct map]" where boot
     * mapped pages, "  [pinned in the TLB: direct map]" where pinned TLB entries translate it (e500's
     * lowmem), "  [tables: pkmap]" where it only made the page tables, nothing where the area is still
     * empty (vmalloc until something is vmalloc'ed).
     */
    private static String mapped(Machine machine, VirtualArea area) {
        StringBuilder pages = new StringBuilder();
        StringBuilder tables = new StringBuilder();
        for (KernelMapping m : machine.mmu().kernelTables().mappings()) {
            boolean overlaps = Long.compareUnsigned(m.virt(), area.end() - 1) <= 0
                    && Long.compareUnsigned(m.virt() + m.size() - 1, area.start()) >= 0;
            if (!overlaps) {
                continue;
            }
            StringBuilder into = m.phys() == KernelMapping.TABLES_ONLY ? tables : pages;
            String what = kind(m.kind());
            if (into.indexOf(what) < 0) {
                into.append(into.length() == 0 ? "" : ", ").append(what);
            }
        }
        StringBuilder pinned = new StringBuilder();
        for (KernelMapping m : machine.mmu().pinnedTranslations()) {
            boolean overlaps = Long.compareUnsigned(m.virt(), area.end() - 1) <= 0
                    && Long.compareUnsigned(m.virt() + m.size() - 1, area.start()) >= 0;
            if (overlaps && pinned.indexOf(kind(m.kind())) < 0) {
                pinned.append(pinned.length() == 0 ? "" : ", ").append(kind(m.kind()));
            }
        }
        String out = pages.length() > 0 ? "  [mapped: " + pages + "]" : "";
        out = pinned.length() > 0 ? out + "  [pinned in the TLB: " + pinned + "]" : out;
        return tables.length() > 0 ? out + "  [tables: " + tables + "]" : out;
    }

    /** One word per kind: an architecture may cut one kind into pieces with names of their own. */
    private static String kind(KernelMapping.Kind kind) {
        return switch (kind) {
            case DIRECT_MAP -> "direct map";
            case KERNEL_IMAGE -> "kernel image";
            case PKMAP -> "pkmap";
            case FIXMAP -> "fixmap";
        };
    }

    private static String line(String name, long start, long end, int digits, int indent, int width) {
        return String.format("%s%-" + (width + 4 - indent) + "s: %s - %s   (%s)", " ".repeat(indent), name, hex(start, digits),
                hex(end, digits), size(end - start));
    }

    static String hex(long v, int digits) {
        String h = Long.toHexString(v);
        return "0x" + "0".repeat(Math.max(0, digits - h.length())) + h;
    }

    /** A size with the largest unit that keeps the number below 10000, like the kernel's "%4ld MB". */
    static String size(long bytes) {
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        long v = Long.divideUnsigned(bytes, 1024);
        int u = 0;
        while (Long.compareUnsigned(v, 9999) > 0 && u < units.length - 1) {
            v = Long.divideUnsigned(v, 1024);
            u++;
        }
        return String.format("%4d %s", v, units[u]);
    }
}
