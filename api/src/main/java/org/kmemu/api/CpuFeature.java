package org.kmemu.api;

/** Optional MMU features a CPU model enables; the walker enforces each one that is on. */
public enum CpuFeature {
    /** No-execute pages (x86 EFER.NXE; always on for e500's positive execute bit). */
    NX,
    /** Supervisor Mode Execution Prevention: the kernel may not execute user pages (x86 CR4.SMEP). */
    SMEP,
    /**
     * Supervisor Mode Access Prevention: the kernel may not touch user pages outside a uaccess
     * window opened with {@code stac} (x86 CR4.SMAP).
     */
    SMAP
}
