package org.kmemu.api;

/**
 * One line of /proc/slabinfo version 2.1 (mm/slab_common.c {@code cache_show}).
 *
 * @param name         the cache name
 * @param activeObjs   objects in use
 * @param numObjs      objects in all slabs
 * @param objSize      the object slot size in bytes
 * @param objPerSlab   objects per slab
 * @param pagesPerSlab pages per slab
 * @param limit        SLAB's per-CPU array limit (0 for policies without one)
 * @param batchCount   SLAB's batch count (0 without)
 * @param sharedFactor SLAB's shared-array factor (0 without)
 * @param activeSlabs  slabs with objects in use
 * @param numSlabs     all slabs
 * @param sharedAvail  objects in SLAB's shared arrays (0 without)
 */
public record SlabInfo(String name, long activeObjs, long numObjs, int objSize, int objPerSlab, int pagesPerSlab,
                       int limit, int batchCount, int sharedFactor, long activeSlabs, long numSlabs, long sharedAvail) {
}
