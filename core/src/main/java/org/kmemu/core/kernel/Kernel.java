package org.kmemu.core.kernel;

import org.kmemu.core.fs.RamFs;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.trace.TraceBuffer;
import org.kmemu.core.trace.Tracepoints;

/**
 * The kernel services of a booted machine, with the kernel's names: the page-granular API, the slab
 * layer (kmalloc and kmem_cache), vmalloc, the highmem mappings (kmap, kmap_local, kmap_atomic), the address
 * conversions, the uaccess helpers (copy_to_user and friends), user memory (page faults, the page
 * tables of processes), the file system with its page cache, and the trace buffer they report to.
 * Made once by boot, which wires each service from the parts of the machine it uses
 * ({@code org.kmemu.core.machine.KernelServices}); no service holds the machine. Each service is
 * thread-safe as documented on it, and every call names the CPU it runs on.
 */
public final class Kernel {
    private final TraceBuffer trace;
    private final AddressTranslation addresses;
    private final PageApi pages;
    private final Highmem highmem;
    private final SlabLayer slab;
    private final Vmalloc vmalloc;
    private final Uaccess uaccess;
    private final RamFs fs;
    private final UserMemory memory;
    private final IoRemap ioremap;
    private final IoAccessors io;

    /**
     * @param trace     the tracepoint buffer the services report to
     * @param addresses __pa, __va, virt_to_page and friends
     * @param pages     alloc_pages and friends
     * @param slab      kmalloc, kfree, kmem_cache_*
     * @param highmem   kmap, kmap_local, kmap_atomic
     * @param vmalloc   vmalloc, vfree, vmap
     * @param uaccess   the uaccess helpers
     * @param fs        the file system and its page cache
     * @param memory    user memory: handle_mm_fault, the page-table operations, exit_mmap
     * @param ioremap   ioremap, ioremap_wc, ioremap_cache, ioremap_prot, iounmap
     * @param io        ioread32, iowrite32, readl and the other MMIO accessors
     */
    public Kernel(TraceBuffer trace, AddressTranslation addresses, PageApi pages, SlabLayer slab, Highmem highmem,
            Vmalloc vmalloc, Uaccess uaccess, RamFs fs, UserMemory memory, IoRemap ioremap, IoAccessors io) {
        this.trace = trace;
        this.addresses = addresses;
        this.pages = pages;
        this.slab = slab;
        this.highmem = highmem;
        this.vmalloc = vmalloc;
        this.uaccess = uaccess;
        this.fs = fs;
        this.memory = memory;
        this.ioremap = ioremap;
        this.io = io;
    }

    /** @return ioremap and its variants, iounmap */
    public IoRemap ioremap() {
        return ioremap;
    }

    /** @return the MMIO accessors: ioread/iowrite, readl/writel, the raw, big-endian and _rep forms, memcpy_toio */
    public IoAccessors io() {
        return io;
    }

    /** @return the file system: files, their page caches, filemap_fault, writeback, truncate */
    public RamFs fs() {
        return fs;
    }

    /** @return user memory: handle_mm_fault, the page-table operations of munmap/mprotect/mremap, exit_mmap */
    public UserMemory memory() {
        return memory;
    }

    /** @return access_ok, copy_to_user, copy_from_user, get_user, put_user and the other uaccess helpers */
    public Uaccess uaccess() {
        return uaccess;
    }

    /** @return vmalloc, vfree, vmap */
    public Vmalloc vmalloc() {
        return vmalloc;
    }

    /** @return the tracepoint buffer (off until enabled) */
    public TraceBuffer trace() {
        return trace;
    }

    /** @return the kmem tracepoints the services fire: attach a {@link org.kmemu.core.trace.KmemProbe} to see every event */
    public Tracepoints tracepoints() {
        return trace.tracepoints();
    }

    /** @return __pa, __va, virt_to_page and friends */
    public AddressTranslation addresses() {
        return addresses;
    }

    /** @return alloc_pages and friends */
    public PageApi pages() {
        return pages;
    }

    /** @return kmap, kmap_local, kmap_atomic */
    public Highmem highmem() {
        return highmem;
    }

    /** @return kmalloc, kfree, kmem_cache_* */
    public SlabLayer slab() {
        return slab;
    }
}
