package org.kmemu.core.proc;

import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.core.fs.PageCacheStats;
import org.kmemu.core.machine.Machine;

/**
 * /proc/meminfo, as fs/proc/meminfo.c {@code meminfo_proc_show()} prints it on 6.x, in the field order
 * of the real 6.18 sample. Most lines are {@code show_val_kb()}: the label padded to 16 columns and the
 * value in kB right-aligned in 8 ({@code seq_put_decimal_ull_width(.., 8)}; wider values print in full),
 * then {@code " kB"}. Then mm/hugetlb.c {@code hugetlb_report_meminfo()} (HugePages_* as {@code %5lu}
 * after a 19-column label) and arch/x86's {@code arch_report_meminfo()} (DirectMap lines, see
 * {@link DirectMap}). Which optional lines appear is decided by {@link KernelConfig}: the
 * HighTotal..LowFree block with CONFIG_HIGHMEM, the transparent-hugepage and hugetlb lines and the
 * DirectMap lines on x86 only.
 *
 * <p>Real numbers: MemTotal ({@code totalram_pages}: managed pages), MemFree, HighTotal, HighFree,
 * LowTotal, LowFree, MemAvailable, CommitLimit, VmallocTotal, Hugepagesize and the DirectMap
 * split, and the page cache's Cached, Dirty, Writeback and Mapped ({@link org.kmemu.core.fs.RamFs}'s
 * counters: NR_FILE_PAGES, NR_FILE_DIRTY, NR_WRITEBACK, NR_FILE_MAPPED). Everything else counts what kmemu
 * does not model yet (LRU lists, anonymous memory, slab, kernel stacks, page tables, vmalloc allocations,
 * per-CPU areas, swap, huge pages) and is 0; Buffers is 0 because kmemu has no block-device buffer cache.
 */
final class MemInfo {
    /** sysctl_overcommit_ratio's default, in percent (mm/util.c). */
    static final long OVERCOMMIT_RATIO = 50;

    private MemInfo() {
    }

    /**
     * @param m a booted machine
     * @return the file's text
     */
    static String render(Machine m) {
        KernelConfig cfg = KernelConfig.of(m);
        int toKb = m.pageShift() - 10;
        long totalRam = m.totalRamPages();
        long free = m.nrFreePages();
        StringBuilder out = new StringBuilder();
        kb(out, "MemTotal", totalRam << toKb);
        kb(out, "MemFree", free << toKb);
        kb(out, "MemAvailable", memAvailable(m, free) << toKb);
        PageCacheStats cache = m.kernel().fs().stats();
        kb(out, "Buffers", 0);
        // Cached = NR_FILE_PAGES - total_swapcache_pages() - Buffers; kmemu has no swap cache and no buffers.
        kb(out, "Cached", cache.nrFilePages() << toKb);
        for (String f : new String[] {"SwapCached", "Active", "Inactive", "Active(anon)",
            "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked"}) {
            kb(out, f, 0);
        }
        if (cfg.highmem()) {
            long totalHigh = m.totalHighPages();
            long freeHigh = m.nrFreeHighPages();
            kb(out, "HighTotal", totalHigh << toKb);
            kb(out, "HighFree", freeHigh << toKb);
            kb(out, "LowTotal", (totalRam - totalHigh) << toKb);
            kb(out, "LowFree", (free - freeHigh) << toKb);
        }
        for (String f : new String[] {"SwapTotal", "SwapFree", "Zswap", "Zswapped"}) {
            kb(out, f, 0);
        }
        kb(out, "Dirty", cache.nrFileDirty() << toKb);
        kb(out, "Writeback", cache.nrWriteback() << toKb);
        kb(out, "AnonPages", m.kernel().pages().nrAnonMapped() << toKb);
        kb(out, "Mapped", m.kernel().fs().nrFileMapped() << toKb);
        for (String f : new String[] {"Shmem", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack",
            "PageTables", "SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp"}) {
            kb(out, f, 0);
        }
        kb(out, "CommitLimit", commitLimitPages(totalRam) << toKb);
        kb(out, "Committed_AS", 0);
        kb(out, "VmallocTotal", vmallocTotalBytes(m, cfg) >>> 10);
        for (String f : new String[] {"VmallocUsed", "VmallocChunk", "Percpu"}) {
            kb(out, f, 0);
        }
        if (cfg.x86()) {
            for (String f : new String[] {"AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages",
                "FilePmdMapped"}) {
                kb(out, f, 0);
            }
        }
        kb(out, "Balloon", 0);
        if (cfg.x86()) {
            for (String f : new String[] {"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"}) {
                out.append(String.format("%-19s%5d\n", f + ":", 0));
            }
            kb(out, "Hugepagesize", cfg.hugePageKb());
            kb(out, "Hugetlb", 0);
            DirectMap dm = DirectMap.of(m);
            kb(out, "DirectMap4k", dm.kb4k());
            kb(out, cfg.x86_64() || cfg.pae() ? "DirectMap2M" : "DirectMap4M", dm.kbLarge());
            if (cfg.x86_64()) {
                kb(out, "DirectMap1G", dm.kb1g());
            }
        }
        return out.toString();
    }

    /** show_val_kb(): a 16-column label and an 8-column value in kB. */
    private static void kb(StringBuilder out, String field, long kb) {
        out.append(String.format("%-16s%8d kB\n", field + ":", kb));
    }

    /**
     * mm/show_mem.c {@code si_mem_available()}: free pages less {@code totalreserve_pages}, plus the
     * reclaimable part of the page cache and of reclaimable slab, which are empty in kmemu.
     *
     * @param m    the machine
     * @param free NR_FREE_PAGES over all zones
     * @return the estimate in pages, at least 0
     */
    static long memAvailable(Machine m, long free) {
        return Math.max(0, free - totalReservePages(m));
    }

    /**
     * mm/page_alloc.c {@code calculate_totalreserve_pages()}: per zone, its largest lowmem_reserve entry
     * plus its high watermark, capped at its managed pages; unpopulated zones reserve nothing.
     *
     * @param m the machine
     * @return totalreserve_pages
     */
    static long totalReservePages(Machine m) {
        PageAllocator pa = m.pageAllocator();
        long total = 0;
        for (ZoneSpan z : m.populatedZones()) {
            ZoneStats s = pa.zoneStats(z.type());
            long max = 0;
            for (long r : s.lowmemReserve()) {
                max = Math.max(max, r);
            }
            total += Math.min(max + s.watermarkHigh(), z.managedPages());
        }
        return total;
    }

    /**
     * mm/util.c {@code vm_commit_limit()} with the defaults: {@code overcommit_kbytes} 0, so
     * (totalram - hugetlb pages) * overcommit_ratio / 100 plus swap; kmemu has no huge pages and no swap.
     *
     * @param totalRamPages totalram_pages()
     * @return the limit in pages
     */
    static long commitLimitPages(long totalRamPages) {
        return totalRamPages * OVERCOMMIT_RATIO / 100;
    }

    /**
     * VMALLOC_TOTAL = VMALLOC_END - VMALLOC_START. x86_64's VMALLOC_END is the last byte
     * (arch/x86/include/asm/pgtable_64_types.h), so its total is one byte short of 32 TiB and prints
     * as 34359738367 kB; the 32-bit architectures' VMALLOC_END is exclusive.
     */
    private static long vmallocTotalBytes(Machine m, KernelConfig cfg) {
        long total = m.layout().vmallocEnd() - m.layout().vmallocStart();
        return cfg.x86_64() ? total - 1 : total;
    }
}
