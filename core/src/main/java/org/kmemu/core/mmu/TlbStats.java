package org.kmemu.core.mmu;

/**
 * One CPU's TLB counters.
 *
 * @param cpu             the CPU
 * @param hits            accesses served by the TLB array
 * @param misses          accesses that left the fast path
 * @param walks           page-table walks (hardware or software)
 * @param softwareRefills walks done by the software miss handler (e500), a subset of walks
 * @param pinnedHits      misses served by pinned entries (e500 TLB1)
 * @param stlbHits        misses served by the second-level TLB (x86 STLB) without a walk
 * @param flushes         flush operations applied
 * @param valid           entries valid now
 * @param capacity        entries in the array
 * @param pinned          pinned entries
 */
public record TlbStats(int cpu, long hits, long misses, long walks, long softwareRefills, long pinnedHits,
                       long stlbHits, long flushes, int valid, int capacity, int pinned) {
}
