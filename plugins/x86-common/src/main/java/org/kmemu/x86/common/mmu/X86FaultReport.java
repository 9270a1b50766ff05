package org.kmemu.x86.common.mmu;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;

/**
 * The oops x86 prints for a page fault the kernel cannot handle: the lines of
 * {@code show_fault_oops()} and {@code dump_pagetable()} (arch/x86/mm/fault.c), then the first line of
 * {@code __die_header()} (arch/x86/kernel/dumpstack.c) and the "CR2:" summary of
 * {@code page_fault_oops()}. The register dump, code bytes and call trace between them are not
 * modelled.
 *
 * <p>The error code is the one the CPU pushes (Intel SDM vol. 3A 4.7, fault.c's X86_PF_* names):
 * <pre>
 *   bit 0 X86_PF_PROT  1: a present entry forbade the access (or RSVD); 0: not present
 *   bit 1 X86_PF_WRITE 1: a write
 *   bit 2 X86_PF_USER  1: from user mode (CPL 3)
 *   bit 3 X86_PF_RSVD  1: a reserved bit was set in an entry
 *   bit 4 X86_PF_INSTR 1: an instruction fetch, reported only with SMEP on, or with NX on (EFER.NXE
 *                      under PAE or 4-/5-level paging)
 * </pre>
 *
 * <p>What is not known to the emulator is printed as a fixed value: the uid in the NX and SMEP lines
 * is 0, the die counter is 1. On Linux a user-mode fault on a bad address is not an oops (the task gets
 * SIGSEGV and "segfault at" is logged by show_signal_msg); this report prints the oops lines for it
 * anyway, as the hardware's view of the fault. Immutable and thread-safe.
 */
public final class X86FaultReport {
    /** X86_PF_PROT (arch/x86/include/asm/trap_pf.h). */
    public static final int X86_PF_PROT = 1;
    /** X86_PF_WRITE. */
    public static final int X86_PF_WRITE = 1 << 1;
    /** X86_PF_USER. */
    public static final int X86_PF_USER = 1 << 2;
    /** X86_PF_RSVD. */
    public static final int X86_PF_RSVD = 1 << 3;
    /** X86_PF_INSTR. */
    public static final int X86_PF_INSTR = 1 << 4;

    /** How dump_pagetable() prints the walk: its three versions in fault.c. */
    public enum Dump {
        /** x86_64, 4-level: "PGD %lx P4D %lx PUD %lx PMD %lx PTE %lx"; the folded P4D repeats the PGD. */
        FOUR_LEVEL,
        /** x86_64, 5-level: "PGD %lx P4D %lx PUD %lx PMD %lx PTE %lx". */
        FIVE_LEVEL,
        /** i386 without PAE: "*pde = %08Lx *pte = %08Lx". */
        TWO_LEVEL,
        /** i386 with PAE: "*pdpt = %016Lx *pde = %016Lx *pte = %016Lx". */
        PAE
    }

    private static final long PAGE_SIZE = 4096;

    private final Dump dump;
    private final int pointerDigits;
    private final boolean nx;
    private final boolean smep;
    private final String dieFlags;

    /**
     * @param dump     the dump_pagetable() version
     * @param nx       EFER.NXE on (NX in cpu features)
     * @param smep     CR4.SMEP on
     * @param dieFlags what __die_header() prints after "[#1]", e.g. " SMP NOPTI"
     */
    public X86FaultReport(Dump dump, boolean nx, boolean smep, String dieFlags) {
        this.dump = dump;
        this.pointerDigits = dump == Dump.FOUR_LEVEL || dump == Dump.FIVE_LEVEL ? 16 : 8;
        this.nx = nx;
        this.smep = smep;
        this.dieFlags = dieFlags;
    }

    /**
     * @param f the fault
     * @return the hardware error code the CPU would push for it
     */
    public int errorCode(PageFault f) {
        int code = 0;
        boolean rsvd = reservedBitFault(f);
        if (f.protection() || rsvd) {
            code |= X86_PF_PROT;
        }
        if (f.access() == Access.WRITE) {
            code |= X86_PF_WRITE;
        }
        if (f.userMode()) {
            code |= X86_PF_USER;
        }
        if (rsvd) {
            code |= X86_PF_RSVD;
        }
        // SDM vol. 3A 4.7: I/D is reported only with SMEP, or with NXE under PAE/4-level/5-level paging.
        boolean pae = dump != Dump.TWO_LEVEL;
        if (f.access() == Access.EXECUTE && (smep || (nx && pae))) {
            code |= X86_PF_INSTR;
        }
        return code;
    }

    /**
     * @param f the fault
     * @return the report, one line per element
     */
    public List<String> lines(PageFault f) {
        List<String> out = new ArrayList<>(8);
        int code = errorCode(f);
        if ((code & X86_PF_INSTR) != 0) {
            instructionFetchLines(f, out);
        }
        // show_fault_oops(): %px prints the pointer as hex, zero-padded to its width.
        String address = hex(f.address(), pointerDigits);
        if (Long.compareUnsigned(f.address(), PAGE_SIZE) < 0 && !f.userMode()) {
            out.add("BUG: kernel NULL pointer dereference, address: " + address);
        } else {
            out.add("BUG: unable to handle page fault for address: " + address);
        }
        out.add(String.format("#PF: %s %s in %s mode",
                (code & X86_PF_USER) != 0 ? "user" : "supervisor",
                (code & X86_PF_INSTR) != 0 ? "instruction fetch"
                        : (code & X86_PF_WRITE) != 0 ? "write access" : "read access",
                f.userMode() ? "user" : "kernel"));
        out.add(String.format("#PF: error_code(0x%04x) - %s", code,
                (code & X86_PF_PROT) == 0 ? "not-present page"
                        : (code & X86_PF_RSVD) != 0 ? "reserved bit violation" : "permissions violation"));
        out.add(dumpPagetable(f));
        // __die_header() in current mainline: "Oops: %s: %04lx [#%d]" then SMP, DEBUG_PAGEALLOC, KASAN,
        // PTI/NOPTI; the preempt model has moved from this line to show_regs().
        out.add(String.format("Oops: Oops: %04x [#1]%s", code & 0xffff, dieFlags));
        out.add("CR2: " + hex(f.address(), 16));
        return out;
    }

    /** The two pr_crit lines of show_fault_oops() for X86_PF_INSTR, from lookup_address_in_pgd()'s leaf. */
    private void instructionFetchLines(PageFault f, List<String> out) {
        int leafLevel = leafLevel(f);
        if (leafLevel < 0) {
            return;
        }
        int flags = f.format().decode(f.entries()[leafLevel], leafLevel);
        boolean exec = (flags & PteFlags.EXEC) != 0;
        if (!exec) {
            out.add("kernel tried to execute NX-protected page - exploit attempt? (uid: 0)");
        }
        // pgd_flags(*pgd) & _PAGE_USER: the raw root entry (a PAE PDPTE has no U/S bit, so never there).
        if (exec && (f.entries()[0] & X86PteBits.USER) != 0 && smep) {
            out.add("unable to execute userspace code (SMEP?) (uid: 0)");
        }
    }

    /** @return the level of the present leaf the walk reached, or -1 */
    private static int leafLevel(PageFault f) {
        PageTableFormat format = f.format();
        int last = f.levelsRead() - 1;
        if (last < 0) {
            return -1;
        }
        int flags = format.decode(f.entries()[last], last);
        if ((flags & PteFlags.PRESENT) == 0) {
            return -1;
        }
        return last == format.levels() - 1 || (flags & PteFlags.HUGE) != 0 ? last : -1;
    }

    private static boolean reservedBitFault(PageFault f) {
        int last = f.levelsRead() - 1;
        return last >= 0 && f.format() instanceof X86PageTableFormat x
                && x.hasReservedBits(f.entries()[last], last);
    }

    /** dump_pagetable(): each level's raw value, stopping after a non-present entry or a large leaf. */
    private String dumpPagetable(PageFault f) {
        long[] e = f.entries();
        int read = Math.max(1, f.levelsRead());
        StringBuilder line = new StringBuilder();
        switch (dump) {
            case FOUR_LEVEL -> {
                // p4d_offset() of a folded P4D is the PGD entry, and pgd_present() is always true then.
                line.append("PGD ").append(Long.toHexString(e[0])).append(' ');
                line.append("P4D ").append(Long.toHexString(e[0])).append(' ');
                if (present(e[0])) {
                    longModeLevels(line, e, 1, read, new String[] {"PUD", "PMD", "PTE"});
                }
            }
            case FIVE_LEVEL -> {
                line.append("PGD ").append(Long.toHexString(e[0])).append(' ');
                if (present(e[0])) {
                    longModeLevels(line, e, 1, read, new String[] {"P4D", "PUD", "PMD", "PTE"});
                }
            }
            case TWO_LEVEL -> {
                line.append("*pde = ").append(hex(e[0], 8)).append(' ');
                if (present(e[0]) && (e[0] & X86PteBits.PSE) == 0 && read > 1) {
                    line.append("*pte = ").append(hex(e[1], 8)).append(' ');
                }
            }
            case PAE -> {
                line.append("*pdpt = ").append(hex(e[0], 16)).append(' ');
                if (present(e[0]) && read > 1) {
                    line.append("*pde = ").append(hex(e[1], 16)).append(' ');
                    if (present(e[1]) && (e[1] & X86PteBits.PSE) == 0 && read > 2) {
                        line.append("*pte = ").append(hex(e[2], 16)).append(' ');
                    }
                }
            }
            default -> throw new AssertionError(dump);
        }
        return line.toString();
    }

    /** Levels below the root: "NAME %lx " each, stopping as dump_pagetable does; the PTE has no trailing space. */
    private static void longModeLevels(StringBuilder line, long[] e, int from, int read, String[] names) {
        for (int level = from; level < read; level++) {
            String name = names[level - from];
            line.append(name).append(' ').append(Long.toHexString(e[level]));
            if (name.equals("PTE")) {
                return;
            }
            line.append(' ');
            // pXd_leaf(): PSE set in a PUD or PMD
            boolean leaf = (e[level] & X86PteBits.PSE) != 0 && (name.equals("PUD") || name.equals("PMD"));
            if (!present(e[level]) || leaf) {
                return;
            }
        }
    }

    private static boolean present(long entry) {
        return (entry & X86PteBits.PRESENT) != 0;
    }

    private static String hex(long value, int digits) {
        String h = Long.toHexString(value);
        return h.length() >= digits ? h : "0".repeat(digits - h.length()) + h;
    }
}
