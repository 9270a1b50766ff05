package org.kmemu.arch.x86_64;

/**
 * The x86_64 fixmap: compile-time virtual addresses counted down from FIXADDR_TOP, one page per slot
 * of {@code enum fixed_addresses} (arch/x86/include/asm/fixmap.h, include/asm-generic/fixmap.h).
 *
 * <pre>
 *   FIXADDR_TOP   = round_up(VSYSCALL_ADDR + PAGE_SIZE, PMD_SIZE) - PAGE_SIZE = 0xffffffffff7ff000
 *   fix_to_virt(i) = FIXADDR_TOP - (i &lt;&lt; PAGE_SHIFT)
 *   slot 511 (VSYSCALL_PAGE) = 0xffffffffff600000 = VSYSCALL_ADDR; slots 0..510 stay unused
 *   FIXADDR_START = FIXADDR_TOP - (__end_of_permanent_fixed_addresses &lt;&lt; PAGE_SHIFT)
 * </pre>
 *
 * Worked example (the shipped defaults): 511 VSYSCALL_PAGE, 512 FIX_DBGP_BASE, 513
 * FIX_EARLYCON_MEM_BASE, 514 FIX_APIC_BASE, 515..642 FIX_IO_APIC_BASE_*, 643 FIX_PARAVIRT_BOOTMAP,
 * 644..645 FIX_TEXT_POKE1/0, 646..647 FIX_APEI_GHES_IRQ/NMI: 648 permanent slots, so FIXADDR_START =
 * 0xffffffffff7ff000 - 0x288000 = 0xffffffffff577000. Below them sit the 512 boot-time FIX_BTMAP slots
 * of early_ioremap, aligned so that they do not cross a page-table page.
 */
final class Fixmap {
    /** VSYSCALL_ADDR = -10 MiB (arch/x86/include/uapi/asm/vsyscall.h). */
    static final long VSYSCALL_ADDR = -10L << 20;
    /** PMD_SIZE: 2 MiB. */
    private static final long PMD_SIZE = 1L << 21;
    /** PTRS_PER_PTE. */
    private static final int PTRS_PER_PTE = 512;
    /** NR_FIX_BTMAPS * FIX_BTMAPS_SLOTS = 64 * 8 boot-time slots. */
    private static final int TOTAL_FIX_BTMAPS = 64 * 8;
    /** FIXADDR_TOP on x86_64: a compile-time constant, unlike i386's variable __FIXADDR_TOP. */
    static final long FIXADDR_TOP = roundUp(VSYSCALL_ADDR + X86_64Layout.PAGE_SIZE, PMD_SIZE)
            - X86_64Layout.PAGE_SIZE;

    private final int endOfPermanent;
    private final int endOfFixed;
    private final boolean vsyscall;

    Fixmap(FixmapOptions o) {
        int idx = 0;
        if (o.vsyscallEmulation()) {
            idx = (int) ((FIXADDR_TOP - VSYSCALL_ADDR) >>> X86_64Layout.PAGE_SHIFT); // VSYSCALL_PAGE
            idx++;
        }
        idx += 2; // FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE
        idx += o.ohci1394DmaInit() ? 1 : 0;
        idx += o.localApic() ? 1 : 0;
        idx += o.ioApic() ? o.maxIoApics() : 0;
        idx += o.paravirt() ? 1 : 0;
        idx += 2; // FIX_TEXT_POKE1, FIX_TEXT_POKE0
        idx += o.intelMid() ? 1 : 0;
        idx += o.apeiGhes() ? 2 : 0;
        this.endOfPermanent = idx;
        // FIX_BTMAP_END: moved up to a 512-slot boundary when the 512 boot slots would straddle one
        int btmapEnd = ((idx ^ (idx + TOTAL_FIX_BTMAPS - 1)) & -PTRS_PER_PTE) != 0
                ? idx + TOTAL_FIX_BTMAPS - (idx & (TOTAL_FIX_BTMAPS - 1))
                : idx;
        int btmapBegin = btmapEnd + TOTAL_FIX_BTMAPS - 1;
        this.endOfFixed = btmapBegin + 1 + (o.intelTxt() ? 1 : 0);
        this.vsyscall = o.vsyscallEmulation();
    }

    private static long roundUp(long x, long align) {
        return (x + align - 1) & -align;
    }

    /** @return __end_of_permanent_fixed_addresses */
    int endOfPermanentFixedAddresses() {
        return endOfPermanent;
    }

    /** @return __end_of_fixed_addresses, including the boot-time slots */
    int endOfFixedAddresses() {
        return endOfFixed;
    }

    /** @return FIXADDR_START = FIXADDR_TOP - FIXADDR_SIZE */
    long fixaddrStart() {
        return FIXADDR_TOP - ((long) endOfPermanent << X86_64Layout.PAGE_SHIFT);
    }

    /** @return FIXADDR_TOT_START: the lowest fixmap address, boot-time slots included */
    long fixaddrTotStart() {
        return FIXADDR_TOP - ((long) endOfFixed << X86_64Layout.PAGE_SHIFT);
    }

    /** @return whether slot VSYSCALL_PAGE exists (the legacy vsyscall page at VSYSCALL_ADDR) */
    boolean hasVsyscallPage() {
        return vsyscall;
    }
}
