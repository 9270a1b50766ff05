package org.kmemu.arch.booke;

import java.util.ArrayList;
import java.util.List;

/**
 * How much lowmem the e500's pinned TLB1 entries can map: the rule of map_mem_in_cams() and
 * calc_cam_sz() in arch/powerpc/mm/nohash/e500.c (formerly fsl_booke_mmu.c), run by
 * adjust_total_lowmem() before MMU_init() clips lowmem.
 *
 * <p>Consecutive CAM entries map lowmem from (PAGE_OFFSET, MEMORY_START). Each takes the largest
 * size that is a power of 4 (MMU architecture v1: e500v1/v2), not above the RAM left, not above the
 * alignment of virt|phys and not above the TLB1 maximum. At most CONFIG_LOWMEM_CAM_NUM entries are
 * used; what they do not cover is not lowmem.
 *
 * <p>Worked example: 768 MiB at 0xc0000000/0: ilog2(768M) = 29, rounded down to even 28: 256M; then
 * 512M: 256M; then 256M: 256M. "Memory CAM mapping: 256/256/256 Mb". With 100 MiB: 64M, 16M, 16M and
 * the last 4 MiB stay unmapped. STRICT_KERNEL_RWX's boundary at _sinittext is not modelled.
 */
final class TlbCamMap {
    /** NUM_TLBCAMS: the size of the kernel's tlbcam table (arch/powerpc/include/asm/nohash/mmu-e500.h). */
    static final int NUM_TLBCAMS = 64;

    private final long[] camSizes;
    private final long mappedBytes;

    private TlbCamMap(long[] camSizes, long mappedBytes) {
        this.camSizes = camSizes;
        this.mappedBytes = mappedBytes;
    }

    /**
     * @param ramBytes    the lowmem to map, min(__max_low_memory, total_lowmem)
     * @param virt        PAGE_OFFSET
     * @param phys        memstart_addr
     * @param maxCamIdx   CONFIG_LOWMEM_CAM_NUM
     * @param maxCamBytes the largest TLB1 page
     * @return the entries map_mem_in_cams() would program
     */
    static TlbCamMap map(long ramBytes, long virt, long phys, int maxCamIdx, long maxCamBytes) {
        assert ramBytes >= 0 && maxCamIdx >= 1 && Long.bitCount(maxCamBytes) == 1;
        List<Long> sizes = new ArrayList<>();
        long ram = ramBytes;
        long mapped = 0;
        int maxCamShift = 63 - Long.numberOfLeadingZeros(maxCamBytes);
        for (int i = 0; ram != 0 && i < maxCamIdx; i++) {
            long size = camSize(ram, virt, phys, maxCamShift);
            sizes.add(size);
            ram -= size;
            mapped += size;
            virt += size;
            phys += size;
        }
        return new TlbCamMap(sizes.stream().mapToLong(Long::longValue).toArray(), mapped);
    }

    /** calc_cam_sz() for MMU v1: powers of 4 only, so both exponents lose their low bit. */
    static long camSize(long ram, long virt, long phys, int maxCamShift) {
        int camShift = (63 - Long.numberOfLeadingZeros(ram)) & ~1;
        long both = virt | phys;
        int align = both == 0 ? 63 : Long.numberOfTrailingZeros(both) & ~1;
        camShift = Math.min(camShift, align);
        camShift = Math.min(camShift, maxCamShift);
        return 1L << camShift;
    }

    /** @return the bytes mapped: the new __max_low_memory */
    long mappedBytes() {
        return mappedBytes;
    }

    /** @return the size of each entry used, in order */
    long[] camSizes() {
        return camSizes.clone();
    }

    /**
     * @param totalLowmemBytes total_lowmem before clipping (all of DRAM from memstart_addr)
     * @return the line adjust_total_lowmem() prints, e.g. "Memory CAM mapping: 256/256/256 Mb, residual: 1280Mb"
     */
    String message(long totalLowmemBytes) {
        StringBuilder sb = new StringBuilder("Memory CAM mapping: ");
        for (int i = 0; i < camSizes.length; i++) {
            sb.append(i == 0 ? "" : "/").append(camSizes[i] >>> 20);
        }
        // the kernel prints through (unsigned int)
        long residual = ((totalLowmemBytes - mappedBytes) >>> 20) & 0xffffffffL;
        return sb.append(" Mb, residual: ").append(residual).append("Mb").toString();
    }
}
