package org.kmemu.core.kernel;

import org.kmemu.api.ArchSpec;
import org.kmemu.api.IoremapRamCheck;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageCacheMode;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.Cpu;

/**
 * The ioremap family: maps a physical range (device registers, a frame buffer's BAR) into the kernel's
 * vmalloc space so that the CPU reaches it with loads and stores (or the accessors of {@link IoAccessors}).
 *
 * <h2>The rules</h2>
 * <ol>
 *   <li>A zero size or a range that wraps gives NULL, silently (both arch/x86/mm/ioremap.c
 *       {@code __ioremap_caller} and mm/ioremap.c {@code generic_ioremap_prot}).</li>
 *   <li>On x86 an address past the CPU's physical address width gives NULL after
 *       {@code "%pS: ioremap: invalid physical address %llx"} and a WARN ({@code phys_addr_valid}).</li>
 *   <li>Normal RAM is refused, each architecture its own way ({@link ArchSpec#ioremapRamCheck}): x86 refuses
 *       any System RAM page in the range that is not PageReserved, with
 *       {@code WARN_ONCE(1, "%pS: ioremap on RAM at %pa - %pa\n")}, so the reserved first megabyte (the BIOS
 *       page, the ISA hole) may be ioremapped as Linux allows it; ppc32 refuses when the first page is lowmem
 *       RAM, with {@code pr_warn("%s(): phys addr 0x%llx is RAM lr %ps\n")}
 *       (arch/powerpc/mm/ioremap_32.c).</li>
 *   <li>The mapping is page-granular: {@code offset = phys & ~PAGE_MASK}, the physical start is rounded down,
 *       the size becomes {@code PAGE_ALIGN(last_addr + 1) - phys}, and the returned address is the area's
 *       start plus {@code offset}, so it keeps the offset within the page.</li>
 *   <li>The area is a {@code VM_IOREMAP} area of the vmalloc space (a guard page after it, as every vm area),
 *       its {@code phys_addr} recorded for /proc/vmallocinfo; its PTEs are PAGE_KERNEL (present, writable,
 *       global, accessed, dirty, not executable) plus the cache bits the architecture gives the mode
 *       ({@link ArchSpec#ioremapPteFlags}).</li>
 * </ol>
 * Which call asks for which mode: {@code ioremap} and its old name {@code ioremap_nocache} UC- (x86's choice
 * until every X driver uses ioremap_wc; on PowerPC {@code pgprot_noncached}), {@code ioremap_uc} UC,
 * {@code ioremap_wc} WC, {@code ioremap_cache} WB.
 *
 * <p>{@code iounmap} (x86 6.12+ and generic_iounmap): an address outside the vmalloc space gets
 * {@code WARN_ON_ONCE(!is_ioremap_addr(addr))} and is ignored; the address is rounded down to its page; no area
 * containing it prints {@code "iounmap: bad address %p"}; otherwise the area containing it is removed (PTEs cleared, its range freed
 * lazily as vunmap does). No page is allocated or freed by either side: the area owns no pages, and its page
 * tables stay, as the kernel's do.
 *
 * <p>Not modelled: x86's memtype reservations (PAT conflicts), huge ioremap mappings, mmiotrace, early
 * ioremap (fixmap slots before the slab is up). Thread-safe: state is the vmalloc space's and the once-flags'.
 */
public final class IoRemap {
    private static final String X86_FILE = "arch/x86/mm/ioremap.c";

    private final ArchSpec arch;
    private final Vmalloc vmalloc;
    private final PhysicalMemory memory;
    private final PageFrames frames;
    private final KernelLog log;
    private final int pageShift;
    private final long pageSize;
    private final long highMemoryPhys;
    private final int physAddrDigits;
    private volatile boolean warnedRam;
    private volatile boolean warnedInvalid;
    private volatile boolean warnedNotIoremap;

    /**
     * @param arch    the architecture: cache bits per mode, the RAM rule, the physical address width
     * @param layout  the kernel layout (high_memory for ppc32's lowmem check)
     * @param vmalloc the vmalloc space the areas come from
     * @param memory  physical memory (page_is_ram)
     * @param frames  the page frames (pfn_valid, PageReserved)
     * @param log     the kernel log
     */
    public IoRemap(ArchSpec arch, KernelLayout layout, Vmalloc vmalloc, PhysicalMemory memory, PageFrames frames, KernelLog log) {
        this.arch = arch;
        this.vmalloc = vmalloc;
        this.memory = memory;
        this.frames = frames;
        this.log = log;
        this.pageShift = arch.pageShift();
        this.pageSize = 1L << pageShift;
        this.highMemoryPhys = layout.maxLowPfn() << pageShift;
        this.physAddrDigits = vmalloc.physAddrBytes() * 2;
    }

    /**
     * {@code ioremap(phys_addr, size)}: uncached (x86 UC-, PowerPC I|G).
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address, any alignment
     * @param size   bytes (C's unsigned long)
     * @param caller who calls, as {@code %pS} prints it in /proc/vmallocinfo and warnings, or null
     * @return the kernel virtual address of {@code phys}, or 0 (NULL)
     */
    public long ioremap(Cpu cpu, long phys, long size, String caller) {
        return ioremapCaller(cpu, phys, size, arch.ioremapPteFlags(PageCacheMode.UC_MINUS), caller);
    }

    /**
     * {@code ioremap_nocache}: the old name of {@link #ioremap}, the same mapping.
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address
     * @param size   bytes
     * @param caller the caller, or null
     * @return the address, or 0 (NULL)
     */
    public long ioremapNocache(Cpu cpu, long phys, long size, String caller) {
        return ioremap(cpu, phys, size, caller);
    }

    /**
     * {@code ioremap_uc}: strongly uncached (x86 PCD|PWT; PowerPC the same as ioremap).
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address
     * @param size   bytes
     * @param caller the caller, or null
     * @return the address, or 0 (NULL)
     */
    public long ioremapUc(Cpu cpu, long phys, long size, String caller) {
        return ioremapCaller(cpu, phys, size, arch.ioremapPteFlags(PageCacheMode.UC), caller);
    }

    /**
     * {@code ioremap_wc}: write-combining (x86 PAT index 1, PWT; PowerPC I without G).
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address
     * @param size   bytes
     * @param caller the caller, or null
     * @return the address, or 0 (NULL)
     */
    public long ioremapWc(Cpu cpu, long phys, long size, String caller) {
        return ioremapCaller(cpu, phys, size, arch.ioremapPteFlags(PageCacheMode.WC), caller);
    }

    /**
     * {@code ioremap_cache}: cached, write-back (no cache bits).
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address
     * @param size   bytes
     * @param caller the caller, or null
     * @return the address, or 0 (NULL)
     */
    public long ioremapCache(Cpu cpu, long phys, long size, String caller) {
        return ioremapCaller(cpu, phys, size, arch.ioremapPteFlags(PageCacheMode.WB), caller);
    }

    /**
     * {@code ioremap_prot(phys, size, prot)} with the protection as {@link PteFlags}: the mapping gets the
     * cache bits (NO_CACHE, WRITE_THROUGH, GUARDED) and WRITE of {@code prot}; USER and EXEC never leak into
     * the kernel mapping (powerpc's pte_exprotect and pte_mkprivileged; x86 takes only the cache mode from
     * prot and maps PAGE_KERNEL_IO, so callers there pass WRITE).
     *
     * @param cpu    the calling CPU
     * @param phys   the physical address
     * @param size   bytes
     * @param prot   PteFlags
     * @param caller the caller, or null
     * @return the address, or 0 (NULL)
     */
    public long ioremapProt(Cpu cpu, long phys, long size, int prot, String caller) {
        int cache = prot & (PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH | PteFlags.GUARDED);
        int base = Vmalloc.PAGE_KERNEL & ~PteFlags.WRITE;
        if ((prot & PteFlags.WRITE) != 0) {
            base |= PteFlags.WRITE; // writeable implies dirty for kernel addresses; PAGE_KERNEL has D already
        }
        return map(cpu, phys, size, base | cache, caller);
    }

    private long ioremapCaller(Cpu cpu, long phys, long size, int cacheBits, String caller) {
        return map(cpu, phys, size, Vmalloc.PAGE_KERNEL | cacheBits, caller);
    }

    private long map(Cpu cpu, long phys, long size, int pteFlags, String caller) {
        long last = phys + size - 1;
        if (size == 0 || Long.compareUnsigned(last, phys) < 0) {
            return 0;
        }
        boolean x86Rules = arch.ioremapRamCheck() == IoremapRamCheck.EVERY_PAGE_UNLESS_RESERVED;
        if (x86Rules && arch.physAddressBits() < 64 && (phys >>> arch.physAddressBits()) != 0) {
            log.printk(cpu.id(), LogLevel.WARNING, String.format("%s: ioremap: invalid physical address %x", who(caller), phys));
            if (!warnedInvalid) {
                warnedInvalid = true;
                KernelWarning.warnOn(log, cpu, X86_FILE + " __ioremap_caller");
            }
            return 0;
        }
        long offset = phys & (pageSize - 1);
        long start = phys - offset;
        long mapSize = ((last + pageSize) & -pageSize) - start;
        if (refusedAsRam(cpu, phys, last, start, caller)) {
            return 0;
        }
        long va = vmalloc.ioremapArea(cpu, mapSize, start, pteFlags, caller);
        return va == 0 ? 0 : va + offset;
    }

    /** The architecture's RAM rule, with its message. */
    private boolean refusedAsRam(Cpu cpu, long phys, long last, long start, String caller) {
        if (arch.ioremapRamCheck() == IoremapRamCheck.FIRST_PAGE_IF_LOWMEM) {
            if (Long.compareUnsigned(start, highMemoryPhys - 1) <= 0 && memory.isRam(start)) {
                log.printk(cpu.id(), LogLevel.WARNING,
                        String.format("__ioremap_caller(): phys addr 0x%x is RAM lr %s", start, who(caller)));
                return true;
            }
            return false;
        }
        // __ioremap_check_ram: any page of System RAM with a struct page that is not PageReserved.
        for (long pfn = phys >>> pageShift; pfn <= last >>> pageShift; pfn++) {
            if (memory.isRam(pfn << pageShift) && frames.pfnValid(pfn) && !frames.isReserved(pfn)) {
                if (!warnedRam) {
                    warnedRam = true;
                    KernelWarning.warnWithMessage(log, cpu, String.format("%s: ioremap on RAM at %s - %s", who(caller), pa(phys),
                            pa(last)), X86_FILE + " __ioremap_caller");
                }
                return true;
            }
        }
        return false;
    }

    /**
     * {@code iounmap(addr)}: removes the area {@code addr} lies in (any offset within its first page).
     *
     * @param cpu  the calling CPU
     * @param addr an address an ioremap call returned
     */
    public void iounmap(Cpu cpu, long addr) {
        if (!vmalloc.isVmallocAddr(addr)) {
            // WARN_ON_ONCE(!is_ioremap_addr(addr)) (x86 since 6.12; generic_iounmap ignores it silently)
            if (!warnedNotIoremap) {
                warnedNotIoremap = true;
                KernelWarning.warnOn(log, cpu, X86_FILE + " iounmap");
            }
            return;
        }
        // find_vm_area() of the page: any area containing it, whatever made it (the kernel does not check
        // VM_IOREMAP either, so iounmap of a vmalloc'ed address unmaps it and strands its pages, as there)
        long page = addr & -pageSize;
        if (vmalloc.findVmArea(page) == null) {
            log.printk(cpu.id(), LogLevel.ERR, String.format("iounmap: bad address %s", ptr(page)));
            return;
        }
        vmalloc.removeVmArea(cpu, page);
    }

    /** {@code %pS} of the caller; a kernel always has one, kmemu's callers may not. */
    private static String who(String caller) {
        return caller == null ? "ioremap" : caller;
    }

    /** {@code %pa}: 0x and the phys_addr_t's width in hex digits. */
    private String pa(long phys) {
        return String.format("0x%0" + physAddrDigits + "x", physAddrDigits == 8 ? phys & 0xffffffffL : phys);
    }

    private String ptr(long addr) {
        int digits = vmalloc.pointerBytes() * 2;
        return String.format("%0" + digits + "x", digits == 8 ? addr & 0xffffffffL : addr);
    }
}
