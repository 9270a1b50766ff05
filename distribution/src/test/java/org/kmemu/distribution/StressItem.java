package org.kmemu.distribution;

import java.util.function.LongConsumer;
import org.kmemu.api.SlabCache;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mmu.Cpu;

/**
 * What one CPU of {@link MultiCpuStressTest} holds: one allocation of some kind, tagged with its owner
 * (the CPU in the top byte, a serial number below) at both ends of each object or page, by stores
 * through the holding CPU's MMU.
 */
final class StressItem {
    static final int KMALLOC = 0;
    static final int CACHE_OBJ = 1;
    static final int PAGES = 2;
    static final int FREE_PAGES = 3;
    static final int VMALLOC = 4;
    static final int VMAP = 5;
    static final int KMAP = 6;

    final int kind;
    long addr;
    long size;
    int order;
    long tag;
    long[] pfns;
    SlabCache cache;

    StressItem(int kind) {
        this.kind = kind;
    }

    /** Writes the tag at both ends of each object or page. */
    void tag(Cpu cpu, Kernel k, long newTag) {
        tag = newTag;
        switch (kind) {
            case KMALLOC, CACHE_OBJ -> writeEnds(cpu, addr, size, tag);
            case PAGES -> {
                for (int i = 0; i < (1 << order); i++) {
                    final long t = tag + i;
                    onPage(cpu, k, addr + i, v -> writeEnds(cpu, v, k.vmalloc().pageSize(), t));
                }
            }
            case FREE_PAGES, VMALLOC, VMAP, KMAP -> {
                long page = k.vmalloc().pageSize();
                for (long off = 0; off < size; off += page) {
                    writeEnds(cpu, addr + off, page, tag + off / page);
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    /** Checks every tag this item wrote; for vmap also through another mapping of the same pages. */
    void check(Cpu cpu, Kernel k) {
        switch (kind) {
            case KMALLOC, CACHE_OBJ -> checkEnds(cpu, addr, size, tag, this);
            case PAGES -> {
                for (int i = 0; i < (1 << order); i++) {
                    final long t = tag + i;
                    onPage(cpu, k, addr + i, v -> checkEnds(cpu, v, k.vmalloc().pageSize(), t, this));
                }
            }
            case FREE_PAGES, VMALLOC, VMAP, KMAP -> {
                long page = k.vmalloc().pageSize();
                for (long off = 0; off < size; off += page) {
                    checkEnds(cpu, addr + off, page, tag + off / page, this);
                }
                if (kind == VMAP) {
                    for (int i = 0; i < pfns.length; i++) {
                        final long t = tag + i;
                        onPage(cpu, k, pfns[i], v -> checkEnds(cpu, v, page, t, this));
                    }
                }
            }
            default -> throw new AssertionError(kind);
        }
    }

    void free(Cpu cpu, Kernel k) {
        switch (kind) {
            case KMALLOC -> k.slab().kfree(cpu, addr, "stress");
            case CACHE_OBJ -> k.slab().kmemCacheFree(cpu, cache, addr, "stress");
            case PAGES -> k.pages().freePages(cpu, addr, order);
            case FREE_PAGES -> k.pages().freePagesVirt(cpu, addr, order);
            case VMALLOC -> k.vmalloc().vfree(cpu, addr);
            case VMAP -> {
                k.vmalloc().vunmap(cpu, addr);
                for (long pfn : pfns) {
                    k.pages().freePages(cpu, pfn, 0);
                }
            }
            case KMAP -> {
                k.highmem().kunmap(cpu, pfns[0]);
                k.pages().freePages(cpu, pfns[0], 0);
            }
            default -> throw new AssertionError(kind);
        }
    }

    @Override
    public String toString() {
        String[] names = {"kmalloc", "kmem_cache_alloc", "alloc_pages", "__get_free_pages", "vmalloc", "vmap", "kmap"};
        return String.format("%s %#x (size %d, order %d)", names[kind], addr, size, order);
    }


    /** Runs {@code body} on a kernel address of the page: kmap_local, kmap_atomic or kmap, at random by pfn. */
    static void onPage(Cpu cpu, Kernel k, long pfn, LongConsumer body) {
        switch ((int) (pfn % 3)) {
            case 0 -> {
                long v = k.highmem().kmapLocal(cpu, pfn);
                body.accept(v);
                k.highmem().kunmapLocal(cpu, v);
            }
            case 1 -> {
                long v = k.highmem().kmapAtomic(cpu, pfn);
                body.accept(v);
                k.highmem().kunmapAtomic(cpu, v);
            }
            default -> {
                long v = k.highmem().kmap(cpu, pfn);
                body.accept(v);
                k.highmem().kunmap(cpu, pfn);
            }
        }
    }

    /** The last aligned word of [addr, addr + size), or the first when only one fits. */
    static long lastWord(long addr, long size) {
        return size < 16 ? addr : addr + ((size - 8) & ~7L);
    }

    static void writeEnds(Cpu cpu, long addr, long size, long tag) {
        cpu.store64(addr, tag);
        if (size >= 16) {
            cpu.store64(lastWord(addr, size), ~tag);
        }
    }

    static void checkEnds(Cpu cpu, long addr, long size, long tag, StressItem item) {
        long first = cpu.load64(addr);
        long last = size >= 16 ? ~cpu.load64(lastWord(addr, size)) : tag;
        if (first != tag || last != tag) {
            long bad = first != tag ? first : last;
            throw new AssertionError(String.format("CPU %d: %s: tag at %#x is %#x (CPU %d's), expected %#x: someone else"
                    + " was handed this memory", cpu.id(), item, first != tag ? addr : lastWord(addr, size), bad,
                    (bad >>> 56) - 1, tag));
        }
    }
}
