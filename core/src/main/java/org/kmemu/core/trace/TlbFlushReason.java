package org.kmemu.core.trace;

/**
 * The {@code reason} of x86's {@code tlb:tlb_flush} event: {@code enum tlb_flush_reason}
 * (include/linux/mm_types.h) and the names the event prints for them ({@code TLB_FLUSH_REASON},
 * include/trace/events/tlb.h). The values are the enum's, so a recording compares with a real x86 trace.
 *
 * <p>How kmemu's flushes map to them (arch/x86/mm/tlb.c is the model; e500 fires the same event for its
 * own flushes, which Linux does not trace on powerpc):
 * <ul>
 *   <li>{@link #FLUSH_ON_TASK_SWITCH}: {@code switch_mm} flushed the CPU's TLB (x86 without PCID, pages
 *       -1), or e500's context switch flushed a stolen or stale context id ({@code switch_mmu_context}).</li>
 *   <li>{@link #LOCAL_MM_SHOOTDOWN}: the calling CPU's part of {@code flush_tlb_mm_range} / {@code flush_tlb_mm}
 *       (x86's {@code flush_tlb_func} on the initiating CPU with an mm).</li>
 *   <li>{@link #LOCAL_SHOOTDOWN}: a flush on the calling CPU that belongs to no mm: {@code flush_tlb_all},
 *       {@code flush_tlb_kernel_range}, a single kernel page ({@code flush_tlb_one_kernel}, kunmap_local).
 *       Linux gives this reason to an mm-less {@code flush_tlb_func}; x86's kernel-range paths
 *       ({@code do_kernel_range_flush}, {@code do_flush_tlb_all}) do not trace at all. kmemu traces them so
 *       that the vmalloc purges' and kmap's flushes are counted.</li>
 *   <li>{@link #REMOTE_SHOOTDOWN}: another CPU applying the shootdown it was sent (x86's
 *       {@code flush_tlb_func} on a CPU that did not initiate it), fired on that CPU's thread when it applies
 *       it, and only if the flush touched its TLB.</li>
 *   <li>{@link #REMOTE_SEND_IPI}: the initiating CPU sent shootdowns to other CPUs ({@code native_flush_tlb_multi}),
 *       once per flush call.</li>
 * </ul>
 * {@code pages} is the range's 4 KiB pages, or {@link #FLUSH_ALL} ({@code TLB_FLUSH_ALL}, printed -1) for a
 * flush of everything (or of an mm's or context's every entry).
 */
public final class TlbFlushReason {
    /** TLB_FLUSH_ON_TASK_SWITCH */
    public static final int FLUSH_ON_TASK_SWITCH = 0;
    /** TLB_REMOTE_SHOOTDOWN */
    public static final int REMOTE_SHOOTDOWN = 1;
    /** TLB_LOCAL_SHOOTDOWN */
    public static final int LOCAL_SHOOTDOWN = 2;
    /** TLB_LOCAL_MM_SHOOTDOWN */
    public static final int LOCAL_MM_SHOOTDOWN = 3;
    /** TLB_REMOTE_SEND_IPI */
    public static final int REMOTE_SEND_IPI = 4;
    /** NR_TLB_FLUSH_REASONS */
    public static final int COUNT = 5;

    /** {@code TLB_FLUSH_ALL} ({@code -1UL}), the pages of a flush of everything. */
    public static final long FLUSH_ALL = -1;

    private static final String[] NAMES = {"flush on task switch", "remote shootdown", "local shootdown",
        "local mm shootdown", "remote ipi send"};

    /** The names as stats.json and the report use them (the enum's, without TLB_). */
    private static final String[] KEYS = {"flush_on_task_switch", "remote_shootdown", "local_shootdown",
        "local_mm_shootdown", "remote_send_ipi"};

    private TlbFlushReason() {
    }

    /**
     * @param reason a reason
     * @return what tlb_flush prints for it ({@code __print_symbolic}); an unknown value prints as its number
     */
    public static String name(int reason) {
        return reason >= 0 && reason < COUNT ? NAMES[reason] : Integer.toString(reason);
    }

    /**
     * @param reason a reason in 0..{@link #COUNT}-1
     * @return its key, e.g. {@code "remote_shootdown"}
     */
    public static String key(int reason) {
        return KEYS[reason];
    }
}
