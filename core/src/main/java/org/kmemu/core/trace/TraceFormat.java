package org.kmemu.core.trace;

import org.kmemu.api.Access;
import org.kmemu.api.Gfp;

/**
 * Turns a {@link TraceRecord} into the line ftrace prints for it: the entry header of
 * kernel/trace/trace_output.c ({@code "%16s-%-5d [%03d] .... %5lu.%06lu: "}, comm right-aligned, pid
 * left-aligned, the irq/preempt flags as dots) and the event's TP_printk: the kmem events' from
 * include/trace/events/kmem.h as the 3.x kernels of shared/data/traces print it: call sites and pointers in hex without 0x, a NULL
 * pointer as {@code "  (null)"} (the old {@code %p}), pfn as 0x-hex, gfp flags by name; the vmalloc, tlb and
 * page-fault events' from today's headers (include/trace/events/vmalloc.h, tlb.h,
 * arch/x86/include/asm/trace/exceptions.h); kmemu's own kmap, kunmap and tlb_miss in the same key=value style.
 * Runs when the buffer is read, never on the recording path.
 */
final class TraceFormat {
    private TraceFormat() {
    }

    /**
     * The header the {@code trace} file starts with (kernel/trace/trace.c print_trace_header and
     * print_func_help_header_irq for the nop tracer with the irq-info option), ending in a newline.
     *
     * @param out     where it goes
     * @param entries events in the buffer
     * @param written events written, overwritten ones included
     * @param cpus    the CPU count ({@code #P})
     */
    static void header(StringBuilder out, long entries, long written, int cpus) {
        out.append("# tracer: nop\n#\n");
        out.append("# entries-in-buffer/entries-written: ").append(entries).append('/').append(written)
                .append("   #P:").append(cpus).append('\n');
        out.append("#\n");
        out.append("#                              _-----=> irqs-off\n");
        out.append("#                             / _----=> need-resched\n");
        out.append("#                            | / _---=> hardirq/softirq\n");
        out.append("#                            || / _--=> preempt-depth\n");
        out.append("#                            ||| /     delay\n");
        out.append("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION\n");
        out.append("#              | |       |   ||||       |         |\n");
    }

    /**
     * @param out     where the line goes, without a newline
     * @param w       records
     * @param at      the record's first word
     * @param cpu     the CPU whose ring held it
     * @param strings that CPU's string table
     */
    static void line(StringBuilder out, long[] w, int at, int cpu, TraceStrings strings) {
        long header = w[at + TraceRecord.HEADER];
        int event = TraceRecord.event(header);
        long ts = w[at + TraceRecord.TS];
        padLeft(out, strings.string(TraceRecord.comm(header)), 16);
        out.append('-');
        padRight(out, Integer.toString(TraceRecord.pid(header)), 5);
        out.append(" [");
        padLeft(out, Integer.toString(cpu), 3, '0');
        out.append("] .... ");
        padLeft(out, Long.toString(ts / 1_000_000_000L), 5);
        out.append('.');
        padLeft(out, Long.toString(ts / 1000 % 1_000_000), 6, '0');
        out.append(": ").append(TraceRecord.name(event)).append(": ");
        long a0 = w[at + TraceRecord.ARG0];
        long a1 = w[at + TraceRecord.ARG1];
        long a2 = w[at + TraceRecord.ARG2];
        long gfpAux = w[at + TraceRecord.GFP_AUX];
        switch (event) {
            case TraceRecord.MM_PAGE_ALLOC -> out.append("page=").append(Long.toHexString(a0)).append(" pfn=0x")
                    .append(Long.toHexString(a1)).append(" order=").append(a2).append(" migratetype=")
                    .append(TraceRecord.aux(gfpAux)).append(" gfp_flags=").append(Gfp.format(TraceRecord.gfp(gfpAux)));
            case TraceRecord.MM_PAGE_ALLOC_EXTFRAG -> extfrag(out, a0, a1, a2, gfpAux);
            case TraceRecord.MM_PAGE_FREE -> out.append("page=").append(Long.toHexString(a0)).append(" pfn=0x")
                    .append(Long.toHexString(a1)).append(" order=").append(a2);
            case TraceRecord.KMALLOC, TraceRecord.KMEM_CACHE_ALLOC -> {
                callSiteAndPtr(out, strings, gfpAux, a0);
                out.append(" bytes_req=").append(a1).append(" bytes_alloc=").append(a2).append(" gfp_flags=")
                        .append(Gfp.format(TraceRecord.gfp(gfpAux)));
            }
            case TraceRecord.KFREE, TraceRecord.KMEM_CACHE_FREE -> callSiteAndPtr(out, strings, gfpAux, a0);
            // include/trace/events/vmalloc.h: va_start in decimal (the kernel's "va_start: %lu"), the rest in hex.
            case TraceRecord.ALLOC_VMAP_AREA -> out.append("va_start: ").append(Long.toUnsignedString(a0))
                    .append(" size=").append(TraceRecord.vmapSize(a1))
                    .append(" align=").append(TraceRecord.vmapAlign(a1))
                    .append(" vstart=0x").append(Long.toHexString(a2))
                    .append(" vend=0x").append(Long.toHexString(gfpAux))
                    .append(" failed=").append(TraceRecord.vmapFailed(a1) ? 1 : 0);
            case TraceRecord.PURGE_VMAP_AREA_LAZY -> out.append("start=0x").append(Long.toHexString(a0))
                    .append(" end=0x").append(Long.toHexString(a1)).append(" num_purged=").append(a2);
            case TraceRecord.FREE_VMAP_AREA_NOFLUSH -> out.append("va_start=0x").append(Long.toHexString(a0))
                    .append(" nr_lazy=").append(a1).append(" nr_lazy_max=").append(a2);
            // include/trace/events/tlb.h: "pages:%ld reason:%s (%d)", TLB_FLUSH_ALL printing as -1.
            case TraceRecord.TLB_FLUSH -> out.append("pages:").append(a0).append(" reason:")
                    .append(TlbFlushReason.name(TraceRecord.gfp(gfpAux))).append(" (").append(TraceRecord.gfp(gfpAux))
                    .append(')');
            // exceptions.h prints address and ip with %ps (%pf before 4.x): kmemu has no symbols, and an address
            // kallsyms does not know prints as 0x-hex (lib/vsprintf.c symbol_string, kernel/kallsyms.c).
            case TraceRecord.PAGE_FAULT_USER, TraceRecord.PAGE_FAULT_KERNEL -> out.append("address=0x")
                    .append(Long.toHexString(a0)).append(" ip=0x").append(Long.toHexString(a1)).append(" error_code=0x")
                    .append(Long.toHexString(a2));
            case TraceRecord.KMAP -> out.append("pfn=0x").append(Long.toHexString(a0)).append(" vaddr=0x")
                    .append(Long.toHexString(a1)).append(" kind=").append(KmapKind.name(TraceRecord.gfp(gfpAux)))
                    .append(" highmem=").append(TraceRecord.aux(gfpAux));
            case TraceRecord.KUNMAP -> out.append("vaddr=0x").append(Long.toHexString(a0)).append(" kind=")
                    .append(KmapKind.name(TraceRecord.gfp(gfpAux)));
            case TraceRecord.TLB_MISS -> out.append("address=0x").append(Long.toHexString(a0)).append(" access=")
                    .append(access(TraceRecord.gfp(gfpAux))).append(" levels=").append(TraceRecord.missLevels(gfpAux))
                    .append(" fault=").append(TraceRecord.missFault(gfpAux) ? 1 : 0);
            default -> throw new IllegalStateException("trace record: event " + event + " (expected: 1.."
                    + TraceRecord.LAST_EVENT + ")");
        }
    }

    /**
     * mm_page_alloc_extfrag's TP_printk (include/trace/events/kmem.h): {@code page=%p pfn=0x%lx
     * alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d fallback_migratetype=%d
     * fragmenting=%d change_ownership=%d}, fragmenting computed at print time as
     * {@code fallback_order < pageblock_order}; the pfn in hex as today's kernels print it (3.x printed
     * {@code pfn=%lu}, as it did for mm_page_alloc). The page prints as hex without 0x, as mm_page_alloc's does here.
     */
    private static void extfrag(StringBuilder out, long page, long pfn, long orders, long gfpAux) {
        int fallbackOrder = TraceRecord.fallbackOrder(orders);
        int pageblockOrder = TraceRecord.pageblockOrder(orders);
        out.append("page=").append(Long.toHexString(page)).append(" pfn=0x").append(Long.toHexString(pfn))
                .append(" alloc_order=").append(TraceRecord.allocOrder(orders))
                .append(" fallback_order=").append(fallbackOrder)
                .append(" pageblock_order=").append(pageblockOrder)
                .append(" alloc_migratetype=").append(TraceRecord.aux(gfpAux))
                .append(" fallback_migratetype=").append(TraceRecord.gfp(gfpAux))
                .append(" fragmenting=").append(fallbackOrder < pageblockOrder ? 1 : 0)
                .append(" change_ownership=").append(TraceRecord.changeOwnership(orders) ? 1 : 0);
    }

    private static final Access[] ACCESSES = Access.values();

    private static String access(int ordinal) {
        return ordinal >= 0 && ordinal < ACCESSES.length ? ACCESSES[ordinal].name().toLowerCase(java.util.Locale.ROOT)
                : Integer.toString(ordinal);
    }

    private static void callSiteAndPtr(StringBuilder out, TraceStrings strings, long gfpAux, long ptr) {
        out.append("call_site=");
        appendField(out, strings.string(TraceRecord.aux(gfpAux)));
        out.append(" ptr=").append(ptr == 0 ? "  (null)" : Long.toHexString(ptr));
    }

    /**
     * A name given by a workload as one field: the kernel prints a call site with %pS (a symbol and an offset,
     * never a blank), and the tools that read the trace (and kmemu's own reader) split fields at blanks, so a
     * blank in a workload's call site is printed as '_'.
     */
    static void appendField(StringBuilder out, String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(Character.isWhitespace(c) ? '_' : c);
        }
    }

    private static void padLeft(StringBuilder out, String s, int width) {
        padLeft(out, s, width, ' ');
    }

    private static void padLeft(StringBuilder out, String s, int width, char pad) {
        for (int i = s.length(); i < width; i++) {
            out.append(pad);
        }
        out.append(s);
    }

    private static void padRight(StringBuilder out, String s, int width) {
        out.append(s);
        for (int i = s.length(); i < width; i++) {
            out.append(' ');
        }
    }
}
