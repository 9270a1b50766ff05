package org.kmemu.core.kernel;

import org.kmemu.api.ConfigView;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.core.machine.KernelServices;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.trace.TraceBuffer;

/**
 * The kernel services of a booted machine, with the kernel's names: the page-granular API, the slab
 * layer (kmalloc and kmem_cache), vmalloc, the highmem mappings (kmap, kmap_local, kmap_atomic), the address
 * conversions, the uaccess helpers (copy_to_user and friends), and the trace buffer they report to.
 * Made once by boot; each service is thread-safe as documented on it, and every call names the CPU it
 * runs on.
 */
public final class Kernel {
    private final TraceBuffer trace;
    private final AddressTranslation addresses;
    private final PageApi pages;
    private final Highmem highmem;
    private final SlabLayer slab;
    private final Vmalloc vmalloc;
    private final Uaccess uaccess;

    /**
     * Brings up the services in the order mm_core_init does: pages, then slab, then highmem and vmalloc.
     *
     * @param machine      the booted machine
     * @param objectPolicy the object allocator policy
     * @param objectConfig its config subtree
     */
    public Kernel(Machine machine, ObjectAllocatorPolicy objectPolicy, ConfigView objectConfig) {
        this.trace = new TraceBuffer(TraceBuffer.DEFAULT_CAPACITY_PER_CPU, machine.cpus());
        this.addresses = KernelServices.addressTranslation(machine);
        this.pages = KernelServices.pageApi(machine, trace);
        this.slab = KernelServices.slabLayer(machine, pages, objectPolicy, objectConfig, trace);
        MightSleep mightSleep = new MightSleep(machine.log());
        this.highmem = KernelServices.highmem(machine, mightSleep);
        this.vmalloc = KernelServices.vmalloc(machine);
        this.uaccess = KernelServices.uaccess(machine, mightSleep);
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
