package org.kmemu.core.workload.synthetic;

/** Which kernel calls a synthetic stream makes: the {@code api} setting. */
public enum Api {
    /** kmalloc / kfree, of each call site's sizes. */
    KMALLOC,
    /** kmem_cache_alloc / kmem_cache_free, one cache per call site ({@code synthetic_site_N}). */
    KMEM_CACHE,
    /** alloc_pages / __free_pages, of order get_order(size) with 4 KiB pages. */
    PAGES
}
