package org.kmemu.core.demo;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.Access;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FaultFlags;
import org.kmemu.core.mm.memory.Gup;
import org.kmemu.core.mm.memory.MmFaultHandler;
import org.kmemu.core.mm.memory.UserMemory;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.memory.VmFaultCodes;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.FaultResult;
import org.kmemu.core.mmu.PageFaultHandler;
import org.kmemu.core.sched.Task;

/**
 * Watches the faults a demo takes, as a tracepoint would, without changing them: a wrapper around the
 * machine's installed page-fault handler (the CPU's #PF: user stores, copy_to_user) and one around
 * {@code handle_mm_fault} for a {@link Gup} of the demo's own ({@code faultin_page}). Each fault is
 * classified from the PTE before and after it, which is what tells the cases apart: an empty PTE filled
 * (do_anonymous_page, do_read_fault, do_cow_fault), a read-only PTE replaced by a new page (do_wp_page's
 * wp_page_copy: a COW copy) or made writable on the same page (wp_page_reuse), or nothing mapped (a bad
 * area). Major or minor is what the task's maj_flt/min_flt counted.
 *
 * <p>Closing it puts the handler it wrapped back.
 */
final class FaultLog implements AutoCloseable {
    /**
     * One fault.
     *
     * @param via     "#PF" (the CPU's page fault) or "GUP" (faultin_page)
     * @param address the faulting address
     * @param write   a write fault
     * @param user    in user mode
     * @param flags   the FAULT_FLAG_* bits (GUP) or -1 (#PF: the arch handler picks them)
     * @param kind    what handle_mm_fault did
     * @param oldPfn  the page mapped before, -1 for none
     * @param newPfn  the page mapped after, -1 for none
     * @param cow     whether a new page replaced a mapped one (a COW copy)
     * @param major   major (I/O: a page read from the file) rather than minor
     */
    record Entry(String via, long address, boolean write, boolean user, int flags, String kind, long oldPfn,
            long newPfn, boolean cow, boolean major) {
        /** @return the entry as a demo prints it */
        String line() {
            String f = flags < 0 ? (user ? "user mode" : "kernel mode") : "flags " + FaultLog.flagNames(flags);
            return String.format("%s %s fault at %#x (%s) -> %s%s", via, write ? "write" : "read", address, f, kind,
                    newPfn < 0 ? "" : major ? " (major)" : " (minor)");
        }
    }

    private final Machine m;
    private final UserMemory um;
    private final PageFaultHandler wrapped;
    private final List<Entry> entries = new ArrayList<>();

    /** Installs the #PF wrapper on the machine's MMU. @param m the machine */
    FaultLog(Machine m) {
        this.m = m;
        this.um = m.kernel().memory();
        this.wrapped = m.mmu().pageFaultHandler();
        m.mmu().setPageFaultHandler(this::pageFault);
    }

    private FaultResult pageFault(Cpu cpu, long address, Access access, boolean userMode, int errorCode) {
        Snapshot s = new Snapshot(cpu, address);
        FaultResult r = wrapped.handlePageFault(cpu, address, access, userMode, errorCode);
        entries.add(s.finish("#PF", access == Access.WRITE, userMode, -1, r == FaultResult.RETRY ? null : badArea(r, s.vma)));
        return r;
    }

    private static String badArea(FaultResult r, Vma vma) {
        String why = vma == null ? "bad area (no VMA there)" : "bad area (the VMA does not allow the access)";
        return switch (r) {
            case FIXUP -> why + ": the exception table's fixup ends the access";
            case SIGNAL -> why + ": the task is sent a signal";
            default -> why + ": " + r;
        };
    }

    /** @return handle_mm_fault, recorded */
    MmFaultHandler gupFaults() {
        return (cpu, mm, vma, address, flags) -> {
            Snapshot s = new Snapshot(cpu, address);
            int ret = um.handleMmFault(cpu, mm, vma, address, flags);
            String err = (ret & VmFaultCodes.VM_FAULT_ERROR) != 0 ? String.format("VM_FAULT error %#x", ret)
                    : (ret & VmFaultCodes.VM_FAULT_RETRY) != 0 ? "VM_FAULT_RETRY (the mmap lock was dropped)" : null;
            entries.add(s.finish("GUP", (flags & FaultFlags.FAULT_FLAG_WRITE) != 0,
                    (flags & FaultFlags.FAULT_FLAG_USER) != 0, flags, err));
            return ret;
        };
    }

    /** @return a get_user_pages family over the machine's user memory whose faults this log records */
    Gup newGup() {
        return new Gup(um.userPageTables(), m.kernel().pages(), m.pageFrames(), gupFaults(), um.zeroPfn(),
                m.layout().taskSize(), m.log());
    }

    /** @return how many faults are recorded so far (a mark for {@link #since}) */
    int mark() {
        return entries.size();
    }

    /** @param mark a {@link #mark()} @return the faults recorded after it */
    List<Entry> since(int mark) {
        return List.copyOf(entries.subList(mark, entries.size()));
    }

    @Override
    public void close() {
        m.mmu().setPageFaultHandler(wrapped);
    }

    /** The state before a fault, to tell afterwards what it did. */
    private final class Snapshot {
        private final Cpu cpu;
        private final long address;
        private final Mm mm;
        private final Vma vma;
        private final long before;
        private final long majBefore;

        Snapshot(Cpu cpu, long address) {
            this.cpu = cpu;
            this.address = address;
            Task t = cpu.current();
            this.mm = t.mm() instanceof Mm x ? x : null;
            this.vma = mm == null ? null : mm.vmas().vmaLookup(address);
            this.before = pte();
            this.majBefore = t.majFlt();
        }

        private long pte() {
            if (mm == null) {
                return 0;
            }
            UserPageTables t = um.userPageTables();
            long ptep = t.ptep(cpu, mm, address, false);
            return ptep == UserPageTables.NO_PTEP ? 0 : t.readPte(ptep);
        }

        Entry finish(String via, boolean write, boolean user, int flags, String error) {
            UserPageTables t = um.userPageTables();
            long after = pte();
            long oldPfn = t.present(before) ? t.pfn(before) : -1;
            long newPfn = t.present(after) ? t.pfn(after) : -1;
            boolean major = cpu.current().majFlt() > majBefore;
            boolean cow = oldPfn >= 0 && newPfn >= 0 && oldPfn != newPfn;
            String kind = error != null ? error : kind(write, oldPfn, newPfn, t.flags(before), t.flags(after));
            return new Entry(via, address, write, user, flags, kind, error != null ? -1 : oldPfn, error != null ? -1 : newPfn,
                    cow, major);
        }

        private String kind(boolean write, long oldPfn, long newPfn, int oldFlags, int newFlags) {
            long zero = um.zeroPfn();
            if (newPfn < 0) {
                return "nothing mapped";
            }
            if (oldPfn < 0) {
                if (vma == null || vma.file() == null) {
                    return newPfn == zero ? "do_anonymous_page: the shared zero page, read-only"
                            : String.format("do_anonymous_page: a new zeroed page, pfn %#x", newPfn);
                }
                boolean shared = (vma.flags() & VmFlags.VM_SHARED) != 0;
                if (shared) {
                    return String.format("do_shared_fault: the page-cache page, pfn %#x", newPfn);
                }
                return PageView.anon(m, newPfn) ? String.format("do_cow_fault: a private anon copy of the file page, pfn %#x", newPfn)
                        : String.format("do_read_fault: the page-cache page, pfn %#x, read-only", newPfn);
            }
            if (oldPfn != newPfn) {
                return oldPfn == zero ? String.format("do_wp_page -> wp_page_copy: a new zeroed page replaces the zero page, pfn %#x", newPfn)
                        : String.format("do_wp_page -> wp_page_copy: COW copy of pfn %#x into pfn %#x", oldPfn, newPfn);
            }
            if ((oldFlags & org.kmemu.api.PteFlags.WRITE) == 0 && (newFlags & org.kmemu.api.PteFlags.WRITE) != 0) {
                return String.format("do_wp_page -> wp_page_reuse: pfn %#x is exclusive now, made writable, no copy", newPfn);
            }
            return String.format("the PTE was already there (pfn %#x): made young%s", newPfn, write ? " and dirty" : "");
        }
    }

    /** @return FAULT_FLAG_* names joined by '|' */
    static String flagNames(int flags) {
        String[] names = {"WRITE", "MKWRITE", "ALLOW_RETRY", "RETRY_NOWAIT", "KILLABLE", "TRIED", "USER", "REMOTE",
            "INSTRUCTION", "INTERRUPTIBLE", "UNSHARE"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append("FAULT_FLAG_").append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
