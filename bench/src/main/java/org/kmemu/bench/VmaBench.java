package org.kmemu.bench;

import java.util.Arrays;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmaTree;
import org.kmemu.core.mm.vma.VmFlags;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * find_vma in an mm with 10,000 VMAs (each 4 pages, a 1-page hole between them, so none merge), at 4,096
 * precomputed pseudo-random addresses taken in turn. {@code findVma}: kmemu's {@link VmaTree} (a TreeMap,
 * where the kernel has the maple tree); {@code sortedArrayPeer}: a binary search over a sorted long[] of the
 * VMA ends, the least a lookup can cost in Java, as the peer.
 *
 * <p>Measured once ({@code -f 1 -wi 3 -i 5 -w 1s -r 1s}, JDK 17, a 2-core box at a load average of 14 from other
 * builds, so the errors are as large as the scores): findVma 486 ± 677 ns/op, sortedArrayPeer 223 ± 142 ns/op
 * (2.2x the peer).
 */
@State(Scope.Thread)
public class VmaBench extends BenchBase {
    private static final int VMAS = 10_000;
    private static final long P = 4096;
    private static final long BASE = 0x10000000L;

    private final VmaTree tree = new VmaTree(12);
    private final long[] ends = new long[VMAS];
    private final long[] addrs = new long[4096];
    private int next;

    /** Maps the VMAs and draws the addresses. */
    @Setup
    public void setUp() {
        for (int i = 0; i < VMAS; i++) {
            long start = BASE + i * 5 * P;
            tree.mapRange(start, start + 4 * P, VmFlags.VM_READ, start >>> 12, null, null);
            ends[i] = start + 4 * P;
        }
        if (tree.mapCount() != VMAS) {
            throw new IllegalStateException("VMAs merged: " + tree.mapCount());
        }
        long x = 0x9e3779b97f4a7c15L;
        for (int i = 0; i < addrs.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            addrs[i] = BASE + Math.floorMod(x, VMAS * 5 * P);
        }
    }

    /** @return the VMA's start */
    @Benchmark
    public long findVma() {
        long a = addrs[next++ & 4095];
        Vma v = tree.findVma(a);
        return v == null ? 0 : v.start();
    }

    /** @return the index of the first end above the address */
    @Benchmark
    public int sortedArrayPeer() {
        long a = addrs[next++ & 4095];
        int i = Arrays.binarySearch(ends, a + 1);
        return i >= 0 ? i : -i - 1;
    }
}
