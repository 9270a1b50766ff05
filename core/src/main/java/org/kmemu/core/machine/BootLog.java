package org.kmemu.core.machine;

import java.util.List;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.KernelLog;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.MigrateType;

/**
 * The kernel's boot messages about memory, in its own words and formats:
 * arch/x86/kernel/e820.c (the firmware map), mm/mm_init.c (zone ranges, node ranges, unavailable
 * ranges, the "Memory:" line) and mm/page_alloc.c (the zonelist line).
 */
final class BootLog {
    private BootLog() {
    }

    /** {@code e820__print_table("BIOS-e820")}; only x86 firmware hands the kernel an e820 table. */
    static void memoryMap(KernelLog log, ArchSpec arch, MemoryMap map) {
        if (!arch.id().equals("x86_64") && !arch.id().equals("i386")) {
            return;
        }
        log.info("BIOS-provided physical RAM map:");
        for (MemoryRegion r : map.regions()) {
            log.info(String.format("BIOS-e820: [mem %#018x-%#018x] %s", r.start(), r.end() - 1, r.type().e820Name()));
        }
    }

    /** mm/mm_init.c {@code free_area_init()} and {@code init_unavailable_range()}. */
    static void zones(KernelLog log, List<ZoneRange> zones, List<long[]> memory, int shift) {
        log.info("Zone ranges:");
        for (ZoneRange z : zones) {
            if (z.startPfn() == z.endPfn()) {
                log.info(String.format("  %-8s empty", z.type().kernelName()));
            } else {
                log.info(String.format("  %-8s [mem %#018x-%#018x]", z.type().kernelName(), z.startPfn() << shift,
                        (z.endPfn() << shift) - 1));
            }
        }
        log.info("Movable zone start for each node");
        log.info("Early memory node ranges");
        for (long[] m : memory) {
            log.info(String.format("  node %3d: [mem %#018x-%#018x]", 0, m[0] << shift, (m[1] << shift) - 1));
        }
        long start = memory.get(0)[0];
        long end = memory.get(memory.size() - 1)[1];
        log.info(String.format("Initmem setup node %d [mem %#018x-%#018x]", 0, start << shift, (end << shift) - 1));
        for (ZoneRange z : zones) {
            if (z.span() == null) {
                continue;
            }
            long holes = z.span().spannedPages() - z.span().presentPages();
            if (holes > 0) {
                log.info(String.format("On node %d, zone %s: %d pages in unavailable ranges", 0, z.type().kernelName(), holes));
            }
        }
    }

    /**
     * The zonelist line (mm/page_alloc.c {@code build_all_zonelists}; mobility grouping is off when
     * there are fewer than pageblock_nr_pages * MIGRATE_TYPES pages) and the "Memory:" line
     * (mm/mm_init.c {@code mem_init_print_info}).
     */
    static void summary(KernelLog log, Machine m) {
        long present = m.physPages();
        long pageblockPages = 1L << m.pageAllocator().pageblockOrder();
        // MIGRATE_TYPES counts the five types kmemu knows plus CMA (include/linux/mmzone.h).
        boolean grouping = present >= pageblockPages * (MigrateType.values().length + 1);
        log.info(String.format("Built 1 zonelists, mobility grouping %s.  Total pages: %d", grouping ? "on" : "off", present));
        KernelImage k = m.kernelImage();
        long kb = 1024;
        StringBuilder line = new StringBuilder(String.format(
                "Memory: %dK/%dK available (%dK kernel code, %dK rwdata, %dK rodata, %dK init, %dK bss, %dK reserved, %dK cma-reserved",
                (m.nrFreePages() << m.pageShift()) / kb, (present << m.pageShift()) / kb,
                (k.textEnd() - k.textStart()) / kb, (k.dataEnd() - k.dataStart()) / kb,
                (k.rodataEnd() - k.rodataStart()) / kb, (k.initEnd() - k.initStart()) / kb,
                (k.bssEnd() - k.bssStart()) / kb, ((present - m.totalRamPages()) << m.pageShift()) / kb, 0));
        if (m.layout().lastPkmap() > 0) {
            line.append(String.format(", %dK highmem", (m.totalHighPages() << m.pageShift()) / kb));
        }
        log.info(line.append(')').toString());
    }
}
