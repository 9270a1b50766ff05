package org.kmemu.core.trace;

/**
 * Which of highmem's mapping calls a {@code kmemu:kmap} / {@code kmemu:kunmap} event is
 * (mm/highmem.c, include/linux/highmem-internal.h): the persistent pkmap one, or a per-CPU
 * temporary slot with or without preemption and page faults disabled.
 */
public final class KmapKind {
    /** {@code kmap} / {@code kunmap}: a pkmap slot. */
    public static final int KMAP = 0;
    /** {@code kmap_local_page} / {@code kunmap_local}: the CPU's next fixmap slot. */
    public static final int KMAP_LOCAL = 1;
    /** {@code kmap_atomic} / {@code kunmap_atomic}: a local slot with preemption and page faults off. */
    public static final int KMAP_ATOMIC = 2;

    private static final String[] NAMES = {"kmap", "kmap_local", "kmap_atomic"};

    private KmapKind() {
    }

    /** @param kind a kind @return its name as the events print it */
    public static String name(int kind) {
        return kind >= 0 && kind < NAMES.length ? NAMES[kind] : Integer.toString(kind);
    }
}
