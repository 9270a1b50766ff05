package org.kmemu.arch.booke;

import org.kmemu.api.ConfigView;

/**
 * The validated e500 configuration, read once from {@code kmemu.arch.booke} by {@link #from}; tests build
 * it directly. Each rule is checked in one place, {@link #problems}, so that the config path and the
 * constructor report the same text.
 *
 * @param kernelbase      CONFIG_KERNEL_START = KERNELBASE = PAGE_OFFSET
 * @param physicalStart   CONFIG_PHYSICAL_START = MEMORY_START
 * @param taskSize        CONFIG_TASK_SIZE
 * @param lowmemSize      CONFIG_LOWMEM_SIZE
 * @param highmem         CONFIG_HIGHMEM
 * @param phys64bit       CONFIG_PHYS_64BIT (with CONFIG_PTE_64BIT)
 * @param structPageBytes sizeof(struct page)
 * @param lowmemCamNum    CONFIG_LOWMEM_CAM_NUM
 * @param tlbcamMaxSize   the largest TLB1 page size, in bytes
 * @param nrCpus          NR_CPUS
 * @param kmMaxIdx        KM_MAX_IDX
 */
record BookeOptions(long kernelbase, long physicalStart, long taskSize, long lowmemSize, boolean highmem,
                    boolean phys64bit, int structPageBytes, int lowmemCamNum, long tlbcamMaxSize, int nrCpus,
                    int kmMaxIdx) {

    /** 0xF0000000: lowmem must end below it, the top 256 MiB holding vmalloc, pkmap and fixmap (init_32.c). */
    static final long LOWMEM_TOP = 0xf0000000L;

    /** Checks every rule. */
    BookeOptions {
        String[] p = problems(kernelbase, physicalStart, taskSize, lowmemSize, phys64bit, structPageBytes,
                lowmemCamNum, tlbcamMaxSize, nrCpus, kmMaxIdx);
        if (p != null) {
            throw new IllegalArgumentException(p[0] + ": " + p[1]);
        }
    }

    /** @return the shipped reference.conf defaults, with the given RAM-independent switches */
    static BookeOptions defaults(boolean highmem, boolean phys64bit) {
        return new BookeOptions(0xc0000000L, 0, 0xc0000000L, 768L << 20, highmem, phys64bit, 32, 3, 4L << 30, 4, 16);
    }

    /**
     * @param c the plugin's config subtree
     * @return the options
     * @throws org.kmemu.api.ConfigException for a bad value
     */
    static BookeOptions from(ConfigView c) {
        long kernelbase = c.getAddress("kernelbase");
        long physicalStart = c.getAddress("physical-start");
        long taskSize = c.getAddress("task-size");
        long lowmem = c.getBytes("lowmem-size");
        boolean phys64 = c.getBoolean("phys-64bit");
        int structPage = c.getInt("struct-page-bytes");
        int cams = c.getInt("lowmem-cam-num");
        long camMax = c.getBytes("tlbcam-max-size");
        int cpus = c.getInt("nr-cpus");
        int km = c.getInt("km-max-idx");
        String[] p = problems(kernelbase, physicalStart, taskSize, lowmem, phys64, structPage, cams, camMax, cpus, km);
        if (p != null) {
            throw c.error(p[0], p[1]);
        }
        return new BookeOptions(kernelbase, physicalStart, taskSize, lowmem, c.getBoolean("highmem"), phys64,
                structPage, cams, camMax, cpus, km);
    }

    /** @return {key, "value (expected: rule)"} for the first broken rule, or null */
    private static String[] problems(long kernelbase, long physicalStart, long taskSize, long lowmemSize,
                                     boolean phys64bit, int structPageBytes, int lowmemCamNum, long tlbcamMaxSize,
                                     int nrCpus, int kmMaxIdx) {
        long page = BookeLayout.PAGE_SIZE;
        if (kernelbase <= 0 || kernelbase >= LOWMEM_TOP || kernelbase % page != 0) {
            return new String[] {"kernelbase", hex(kernelbase) + " (expected: page-aligned, below 0xf0000000)"};
        }
        long physLimit = 1L << (phys64bit ? 36 : 32);
        if (physicalStart < 0 || physicalStart >= physLimit || physicalStart % page != 0) {
            return new String[] {"physical-start", hex(physicalStart) + " (expected: page-aligned, below "
                    + hex(physLimit) + ")"};
        }
        if (taskSize <= 0 || taskSize > kernelbase || taskSize % page != 0) {
            // asm/task_size_32.h: "User TASK_SIZE overlaps with KERNEL_START address"
            return new String[] {"task-size", hex(taskSize) + " (expected: page-aligned, at most kernelbase "
                    + hex(kernelbase) + ")"};
        }
        if (lowmemSize <= 0 || lowmemSize % page != 0 || lowmemSize > LOWMEM_TOP - kernelbase) {
            // init_32.c: "You must adjust CONFIG_LOWMEM_SIZE or CONFIG_KERNEL_START"
            return new String[] {"lowmem-size", hex(lowmemSize) + " (expected: page-aligned, at most 0xf0000000 - "
                    + "kernelbase = " + hex(LOWMEM_TOP - kernelbase) + ")"};
        }
        if (structPageBytes < 16 || structPageBytes > 256 || structPageBytes % 4 != 0) {
            return new String[] {"struct-page-bytes", structPageBytes + " (expected: a multiple of 4 in 16..256)"};
        }
        if (lowmemCamNum < 1 || lowmemCamNum > TlbCamMap.NUM_TLBCAMS) {
            return new String[] {"lowmem-cam-num", lowmemCamNum + " (expected: 1.." + TlbCamMap.NUM_TLBCAMS + ")"};
        }
        int log = 63 - Long.numberOfLeadingZeros(tlbcamMaxSize);
        if (tlbcamMaxSize <= 0 || Long.bitCount(tlbcamMaxSize) != 1 || log % 2 != 0 || log < 12 || log > 32) {
            return new String[] {"tlbcam-max-size", tlbcamMaxSize
                    + " (expected: a power of 4 from 4K to 4G, e.g. 256M on e500v1, 4G on e500v2)"};
        }
        if (nrCpus < 1 || nrCpus > 32) {
            return new String[] {"nr-cpus", nrCpus + " (expected: 1..32)"};
        }
        if (kmMaxIdx < 1 || kmMaxIdx > 64) {
            return new String[] {"km-max-idx", kmMaxIdx + " (expected: 1..64; 16, or 33 with DEBUG_KMAP_LOCAL)"};
        }
        return null;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** @return VIRT_PHYS_OFFSET = KERNELBASE - PHYSICAL_START (asm/page.h, BookE without RELOCATABLE) */
    long virtPhysOffset() {
        return kernelbase - physicalStart;
    }

    /** @return PTE_SHIFT = PAGE_SHIFT - log2(sizeof(pte_t)): 10 with 32-bit PTEs, 9 with 64-bit */
    int pteShift() {
        return phys64bit ? 9 : 10;
    }

    /** @return physical address bits: 36 with PHYS_64BIT, else 32 */
    int physAddressBits() {
        return phys64bit ? 36 : 32;
    }
}
