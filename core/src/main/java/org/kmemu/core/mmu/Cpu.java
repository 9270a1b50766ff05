package org.kmemu.core.mmu;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.kmemu.api.Access;
import org.kmemu.api.PageFault;
import org.kmemu.api.PerCpuOwnership;
import org.kmemu.api.PteFlags;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.sched.Task;
import org.kmemu.core.trace.TlbFlushReason;
import org.kmemu.core.trace.Tracepoints;

/**
 * One emulated CPU: its TLB, its mode (kernel or user), the page-table root it runs on (x86 CR3),
 * its preempt count and interrupt state, and the loads, stores and copies that go through its MMU.
 *
 * <h2>Fast path</h2>
 * Every access looks up its TLB (a direct-mapped or set-associative array, see {@link Tlb}): a hit
 * whose cached permissions allow the access costs a few array reads and no allocation. A miss, an
 * access the cached entry does not allow (a first write to a clean page, SMAP), and an access that
 * crosses a page take the slow path: pinned entries, then a page-table walk, the permission checks,
 * accessed/dirty, and a refill.
 *
 * <h2>Faults</h2>
 * A walk that fails is a page fault: {@link PageFaultEntry} decides, as the kernel's do_page_fault does,
 * whether it reaches the machine's {@link PageFaultHandler} (handle_mm_fault's place). The handler's
 * {@link FaultResult#RETRY} walks again and the access goes on; {@link FaultResult#FIXUP} inside this
 * CPU's fixup window ({@link #uaccessFixupBegin}, the exception table of the uaccess helpers) throws
 * {@link FixupException}, which the helper turns into its short count; {@link FaultResult#SIGNAL} in user
 * mode throws {@link UserFaultSignal} (the task was sent SIGSEGV or SIGBUS, the machine goes on); everything
 * else raises
 * {@link PageFaultException} with the architecture's oops text. None of this touches the fast path.
 *
 * <h2>Threads</h2>
 * A Java thread acts as the CPU; the CPU's state is not locked. Other CPUs flush this CPU's TLB by
 * posting a shootdown ({@link #postFlush}), applied before this CPU's next access, as an IPI is taken
 * at the next instruction boundary. With {@link PerCpuOwnership#CHECKS} on, every access and every
 * change of the CPU's state checks that the calling thread owns the CPU ({@link CpuOwners}); the
 * counters ({@link #tlbStats}) and the mode may be read from anywhere.
 *
 * <h2>Address-space switch</h2>
 * {@link #switchMm} does what the architecture does. Without context ids (x86 without PCID) it writes
 * CR3: the root changes and every TLB entry without the global bit goes (arch/x86/mm/tlb.c
 * {@code switch_mm_irqs_off}). With context ids (e500) it loads the next mm's id into the PID register,
 * assigning or stealing one first ({@link MmuContextIds}), and flushes nothing: entries are tagged with
 * the PID they were loaded under and the kernel's with TID 0 ({@link Tlb}). On e500 the miss handler
 * also walks {@code swapper_pg_dir} for kernel addresses, whatever the root ({@code kernelRootWalk}).
 *
 * <h2>Current task and clock</h2>
 * {@link #current()} is the task this CPU runs ({@code current}), set by the scheduler's context
 * switch. {@link #clockNanos()} is this CPU's clock ({@code local_clock()}): the modelled cost of what
 * the CPU has done since boot, so a run's time stamps depend only on its config and its operations.
 * TLB hits and misses are priced from the counters the CPU keeps anyway (nothing is added to the fast
 * path); kernel services {@link #charge} their own costs.
 */
public final class Cpu {
    private final int id;
    private final PhysicalMemory memory;
    private final PageTableWalker walker;
    private final Tlb tlb;
    // The TLB's arrays, held here too so that the fast path loads them straight from this object.
    private long[] readTags;
    private long[] writeTags;
    private long[] execTags;
    private final long[] tlbFrames;
    private final byte[][] tlbHosts;
    private final int[] tlbHostOffsets;
    private final int tlbWays;
    private final long tlbSetMask;
    private long hits;
    private final PinnedTlb pinned;
    private final PageFaultEntry faults;
    /** The machine's tracepoints: tlb_flush and tlb_miss fire here, off the TLB-hit path. */
    private final Tracepoints trace;
    /** The comm events print before the scheduler gives the CPU a task (the idle task's name). */
    private final String idleComm;
    private final boolean softwareRefill;
    private final boolean nx;
    private final boolean smep;
    private final boolean smap;
    private final Translation t;
    private final CpuOwners owners;
    /** The context allocator of a tagged TLB, or null (x86: a switch flushes). */
    private final MmuContextIds contextIds;
    private final boolean flushContextOnly;
    /** Addresses at or above this (KernelLayout.kernelSpaceStart, compared unsigned) are kernel ones: TID 0 on a tagged TLB. */
    private final long kernelStart;
    /** Whether kernel addresses are walked in {@link #kernelRoot} whatever the CPU runs (e500). */
    private final boolean kernelRootWalk;
    private final long kernelRoot;

    /** Volatile: other CPUs read it to decide whom a user-range shootdown goes to (mm_cpumask's place). */
    private volatile long root;
    /** The PID in tag position ({@link Tlb#key}) for user addresses on a tagged TLB; always 0 untagged. */
    private long pidKey;
    /** The address space this CPU has loaded ({@code active_mm}'s context). */
    private MmuContext loaded;
    /** init_mm's context: what leave_mm switches to. */
    private final MmuContext initMm;
    private boolean userMode;
    private boolean uaccessOpen;
    private boolean fixupAllowed;
    /** Why the last failed walk failed, for the fault it raises: set by {@link #walkAndFill}. */
    private boolean faultProtection;
    private String faultReason;
    private int preemptCount;
    private int pagefaultDisabled;
    private boolean irqsDisabled;

    private Task current;
    /** Nanoseconds charged by kernel services. Written by the CPU's thread only. */
    private long chargedNanos;
    private long accessNanos;
    private long tlbMissNanos;
    private long hitsAtStart;
    private long missesAtStart;

    private long walks;
    private long softwareRefills;
    private long pinnedHits;

    private final ConcurrentLinkedQueue<long[]> posted = new ConcurrentLinkedQueue<>();
    /** Shootdowns posted and not yet applied; read on every access, so a plain volatile int. */
    private volatile int pending;
    private static final java.lang.invoke.VarHandle PENDING;

    static {
        try {
            PENDING = java.lang.invoke.MethodHandles.lookup().findVarHandle(Cpu.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * How often one access may be retried on the handler's word before the CPU gives up: a handler that
     * says RETRY without changing what the walk finds would otherwise fault forever (on hardware, a hang).
     */
    static final int MAX_FAULT_RETRIES = 64;

    /** Physical addresses are never negative: the slow path's "no translation". */
    private static final long NO_PHYS = -1;

    Cpu(int id, PhysicalMemory memory, PageTableWalker walker, Tlb tlb, PinnedTlb pinned, PageFaultEntry faults,
        boolean softwareRefill, boolean nx, boolean smep, boolean smap, MmuContext initMm, CpuOwners owners,
        MmuContextIds contextIds, boolean flushContextOnly, long kernelStart, boolean kernelRootWalk, Tracepoints trace) {
        this.id = id;
        this.trace = trace;
        this.idleComm = "swapper/" + id;
        this.contextIds = contextIds;
        this.flushContextOnly = flushContextOnly;
        this.kernelStart = kernelStart;
        this.kernelRootWalk = kernelRootWalk;
        this.kernelRoot = initMm.root();
        this.loaded = initMm;
        this.initMm = initMm;
        this.owners = owners;
        this.memory = memory;
        this.walker = walker;
        this.tlb = tlb;
        this.readTags = tlb.accessTags[0];
        this.writeTags = tlb.accessTags[1];
        this.execTags = tlb.accessTags[2];
        this.tlbFrames = tlb.frames;
        this.tlbHosts = tlb.hosts;
        this.tlbHostOffsets = tlb.hostOffsets;
        this.tlbWays = tlb.ways;
        this.tlbSetMask = tlb.sets - 1;
        this.pinned = pinned;
        this.faults = faults;
        this.softwareRefill = softwareRefill;
        this.nx = nx;
        this.smep = smep;
        this.smap = smap;
        this.t = new Translation(walker.levels());
        this.root = initMm.root();
    }

    /** @return the CPU number */
    public int id() {
        return id;
    }

    /** @return the task this CPU runs ({@code current}); null only before the scheduler starts */
    public Task current() {
        return current;
    }

    /**
     * The last step of a context switch: who calls is {@code sched.Scheduler}, on this CPU's thread;
     * nothing else changes {@code current}.
     *
     * @param next the task this CPU runs from now on
     */
    public void setCurrent(Task next) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "__switch_to", "current");
        }
        current = next;
    }

    /**
     * Starts this CPU's clock at 0 (boot calls it once, at its end) with the prices of TLB hits and
     * misses.
     *
     * @param accessNanos  the cost of an access the TLB serves
     * @param tlbMissNanos the cost of a TLB miss (a walk, a refill from TLB1, a software refill)
     */
    public void startClock(long accessNanos, long tlbMissNanos) {
        this.accessNanos = accessNanos;
        this.tlbMissNanos = tlbMissNanos;
        this.hitsAtStart = hits;
        this.missesAtStart = tlb.misses;
        this.chargedNanos = 0;
    }

    /**
     * Advances this CPU's clock by the modelled cost of an operation. Called on the CPU's own thread.
     *
     * @param nanos the cost
     */
    public void charge(long nanos) {
        chargedNanos += nanos;
    }

    /**
     * @return this CPU's clock ({@code local_clock()}): nanoseconds since the end of boot. Exact on the
     *         CPU's own thread; another thread reads a recent value.
     */
    public long clockNanos() {
        return chargedNanos + (hits - hitsAtStart) * accessNanos + (tlb.misses - missesAtStart) * tlbMissNanos;
    }

    /** @return the physical address of the page-table root this CPU runs on */
    public long root() {
        return root;
    }

    /** @return the address space this CPU has loaded (its {@code active_mm}'s context) */
    public MmuContext loadedContext() {
        return loaded;
    }

    /** @return the PID register (e500): the context id user TLB entries are loaded under; 0 when untagged */
    public int pid() {
        return tlb.pid();
    }

    /**
     * {@code switch_mm}: loads another address space as the architecture does. The same one loads nothing
     * (switch_mm_irqs_off returns when prev == next). x86 without PCID: CR3 gets the new root and every
     * non-global TLB entry goes. e500 ({@code switch_mmu_context}, arch/powerpc/mm/nohash/mmu_context.c):
     * the mm gets a context id if it has none (which may steal one and flush that id's entries), a stale
     * id is flushed from this CPU, and PID gets the id; no other entry is touched.
     *
     * @param next the address space to run
     */
    public void switchMm(MmuContext next) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "switch_mm", "TLB");
        }
        MmuContext prev = loaded;
        if (prev == next) {
            return;
        }
        loaded = next;
        root = next.root();
        if (contextIds == null) {
            tlb.flushAll(true);
            if (trace.active()) {
                traceTlbFlush(TlbFlushReason.FLUSH_ON_TASK_SWITCH, TlbFlushReason.FLUSH_ALL);
            }
            return;
        }
        int pid = contextIds.switchContext(this, prev, next);
        tlb.setPid(pid);
        pidKey = Tlb.key(0, pid);
    }

    /**
     * {@code _tlbil_pid(id)} on this CPU: with {@code tlbilx} the entries of one context go, else (e500v1/v2)
     * TLB0 is flash-invalidated. Called on the CPU's own thread (its switch, or a shootdown it applies).
     *
     * @param contextId the context
     */
    void localFlushContext(int contextId, int reason) {
        if (flushContextOnly) {
            tlb.flushContext(contextId);
        } else {
            tlb.flushAll(false);
        }
        if (trace.active()) {
            traceTlbFlush(reason, TlbFlushReason.FLUSH_ALL);
        }
    }

    /**
     * Fires tlb_flush on this CPU's thread, as the current task.
     *
     * @param reason a {@link TlbFlushReason}
     * @param pages  pages flushed, or {@link TlbFlushReason#FLUSH_ALL}
     */
    void traceTlbFlush(int reason, long pages) {
        trace.tlbFlush(id, clockNanos(), traceComm(), tracePid(), reason, pages);
    }

    /** @return the comm tracepoints print for this CPU: its task's, or the idle task's before it has one */
    public String traceComm() {
        Task c = current;
        return c == null ? idleComm : c.comm();
    }

    /** @return the pid tracepoints print for this CPU: its task's, or 0 (the idle task) */
    public int tracePid() {
        Task c = current;
        return c == null ? 0 : c.pid();
    }

    /** @return the 4 KiB pages of [start, end), as tlb_flush counts them ({@code (end - start) >> PAGE_SHIFT}) */
    static long rangePages(long start, long end) {
        return (end - start) >>> 12;
    }

    /** A local flush not tied to an mm is the kernel's LOCAL_SHOOTDOWN; one of user addresses is its mm's. */
    private int localReason(long vaddr) {
        return Long.compareUnsigned(vaddr, kernelStart) >= 0 ? TlbFlushReason.LOCAL_SHOOTDOWN
                : TlbFlushReason.LOCAL_MM_SHOOTDOWN;
    }

    /** @return whether the CPU runs in user mode */
    public boolean userMode() {
        return userMode;
    }

    /** @param user whether the CPU now runs in user mode (kernel entry and exit) */
    public void setUserMode(boolean user) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "set_user_mode", "cpu state");
        }
        userMode = user;
        selectTags();
    }

    /**
     * Points the fast path at the tag arrays of the accesses the CPU makes now: user mode, kernel mode,
     * or kernel mode inside a uaccess window (where SMAP lets reads and writes reach user pages, so that
     * they hit the TLB too).
     */
    private void selectTags() {
        long[][] a = tlb.accessTags;
        if (userMode) {
            readTags = a[tagIndex(Tlb.USER_READ)];
            writeTags = a[tagIndex(Tlb.USER_WRITE)];
            execTags = a[tagIndex(Tlb.USER_EXEC)];
        } else {
            readTags = a[tagIndex(uaccessOpen ? Tlb.KERNEL_AC_READ : Tlb.KERNEL_READ)];
            writeTags = a[tagIndex(uaccessOpen ? Tlb.KERNEL_AC_WRITE : Tlb.KERNEL_WRITE)];
            execTags = a[tagIndex(Tlb.KERNEL_EXEC)];
        }
    }

    /** @return the index of the tag array of one kind of access (its bit's index) */
    private static int tagIndex(int kind) {
        return Integer.numberOfTrailingZeros(kind);
    }

    /** x86 {@code stac}: opens a uaccess window in which SMAP lets the kernel touch user pages. */
    public void userAccessBegin() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "stac", "cpu state");
        }
        uaccessOpen = true;
        selectTags();
    }

    /** x86 {@code clac}: closes the uaccess window. */
    public void userAccessEnd() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "clac", "cpu state");
        }
        uaccessOpen = false;
        selectTags();
    }

    /** @return whether a uaccess window is open (x86 EFLAGS.AC after {@code stac}) */
    public boolean userAccessOpen() {
        return uaccessOpen;
    }

    /**
     * Opens the exception-table window: until {@link #uaccessFixupEnd}, a fault the kernel cannot resolve
     * in a kernel-mode access throws {@link FixupException} instead of the oops. This stands for the
     * {@code _ASM_EXTABLE_UA} entries that the kernel puts on each instruction of its uaccess helpers
     * (arch/x86/include/asm/asm.h, arch/x86/mm/extable.c): kmemu's helpers run their accesses inside the
     * window, and code outside any helper never has one. Not nested.
     */
    public void uaccessFixupBegin() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "uaccess_fixup_begin", "cpu state");
        }
        fixupAllowed = true;
    }

    /** Closes the exception-table window. */
    public void uaccessFixupEnd() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "uaccess_fixup_end", "cpu state");
        }
        fixupAllowed = false;
    }

    /** @return whether a fault in a kernel-mode access would be fixed up now */
    public boolean uaccessFixupAllowed() {
        return fixupAllowed;
    }

    /** {@code preempt_disable()}. */
    public void preemptDisable() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "preempt_disable", "preempt count");
        }
        preemptCount++;
    }

    /** {@code preempt_enable()}. */
    public void preemptEnable() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "preempt_enable", "preempt count");
        }
        if (preemptCount == 0) {
            // preempt_count_sub(): DEBUG_LOCKS_WARN_ON(val > preempt_count()) and the count is left alone
            // (kernel/sched/core.c, CONFIG_DEBUG_PREEMPT).
            warnUnbalanced("DEBUG_LOCKS_WARN_ON(val > preempt_count())", "kernel/sched/core.c preempt_count_sub");
            return;
        }
        preemptCount--;
    }

    /** A WARN with a message (cut here, the message, then "WARNING: CPU: n PID: p at location"). */
    private void warnUnbalanced(String message, String location) {
        org.kmemu.api.KernelLog log = owners.log();
        log.printk(id, org.kmemu.api.LogLevel.WARNING, "------------[ cut here ]------------");
        log.printk(id, org.kmemu.api.LogLevel.WARNING, message);
        log.printk(id, org.kmemu.api.LogLevel.WARNING, String.format("WARNING: CPU: %d PID: %d at %s", id,
                current == null ? 0 : current.pid(), location));
    }

    /** @return the preempt count */
    public int preemptCount() {
        return preemptCount;
    }

    /** {@code pagefault_disable()}: user accesses fail instead of faulting (kmap_atomic). */
    public void pagefaultDisable() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "pagefault_disable", "cpu state");
        }
        pagefaultDisabled++;
    }

    /** {@code pagefault_enable()}. */
    public void pagefaultEnable() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "pagefault_enable", "cpu state");
        }
        if (pagefaultDisabled == 0) {
            // The kernel does not check (include/linux/uaccess.h pagefault_disabled_dec): its counter would go
            // negative and disable nothing. kmemu warns in the same shape as preempt_count_sub and keeps 0.
            warnUnbalanced("pagefault_enable() without pagefault_disable()", "include/linux/uaccess.h pagefault_enable");
            return;
        }
        pagefaultDisabled--;
    }

    /** @return {@code pagefault_disabled()}: how deep the pagefault_disable nesting is */
    public int pagefaultDisabled() {
        return pagefaultDisabled;
    }

    /** @param disabled whether interrupts are now disabled ({@code local_irq_disable}/{@code enable}) */
    public void setIrqsDisabled(boolean disabled) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "local_irq_disable", "cpu state");
        }
        irqsDisabled = disabled;
    }

    /** @return {@code irqs_disabled()} */
    public boolean irqsDisabled() {
        return irqsDisabled;
    }

    /** @return {@code in_atomic() || irqs_disabled()}: whether sleeping would be a bug */
    public boolean inAtomicContext() {
        return preemptCount > 0 || irqsDisabled;
    }

    // ---- loads and stores -----------------------------------------------------------------------

    /**
     * Translates one access as the MMU would for a load, store or fetch of one byte at
     * {@code vaddr}: through the TLB, walking and setting accessed/dirty on a miss, checking the
     * permissions of the CPU's current mode. Nothing is read or written.
     *
     * @param vaddr  a virtual address
     * @param access the kind of access
     * @return the physical address
     * @throws PageFaultException if the access would fault
     */
    public long translate(long vaddr, Access access) {
        long[] tags = access == Access.READ ? readTags : access == Access.WRITE ? writeTags : execTags;
        return dataAddress(vaddr, 1, tags, access);
    }

    /** @param vaddr a virtual address @return the byte there */
    public byte load8(long vaddr) {
        return memory.readByte(dataAddress(vaddr, 1, readTags, Access.READ));
    }

    /** @param vaddr a virtual address @return the 16-bit value there, in the machine's byte order */
    public short load16(long vaddr) {
        return crossesPage(vaddr, 2) ? (short) loadBytes(vaddr, 2) : memory.readShort(dataAddress(vaddr, 2, readTags, Access.READ));
    }

    /** @param vaddr a virtual address @return the 32-bit value there, in the machine's byte order */
    public int load32(long vaddr) {
        int off = (int) (vaddr & 0xfff);
        if (off > 4096 - 4) {
            return (int) loadBytes(vaddr, 4);
        }
        int slot = lookup(vaddr, readTags);
        if (slot >= 0) {
            byte[] host = tlbHosts[slot];
            return host != null ? memory.getInt(host, tlbHostOffsets[slot] + off) : memory.readInt(tlbFrames[slot] | off);
        }
        return memory.readInt(miss(vaddr, Access.READ));
    }

    /** @param vaddr a virtual address @return the 64-bit value there, in the machine's byte order */
    public long load64(long vaddr) {
        int off = (int) (vaddr & 0xfff);
        if (off > 4096 - 8) {
            return loadBytes(vaddr, 8);
        }
        int slot = lookup(vaddr, readTags);
        if (slot >= 0) {
            byte[] host = tlbHosts[slot];
            return host != null ? memory.getLong(host, tlbHostOffsets[slot] + off) : memory.readLong(tlbFrames[slot] | off);
        }
        return memory.readLong(miss(vaddr, Access.READ));
    }

    /** @param vaddr a virtual address @return the 32-bit instruction word there (an instruction fetch) */
    public int fetch32(long vaddr) {
        return memory.readInt(dataAddress(vaddr, 4, execTags, Access.EXECUTE));
    }

    /** @param vaddr a virtual address @param value the byte to store */
    public void store8(long vaddr, byte value) {
        memory.writeByte(dataAddress(vaddr, 1, writeTags, Access.WRITE), value);
    }

    /** @param vaddr a virtual address @param value the 16-bit value to store */
    public void store16(long vaddr, short value) {
        if (crossesPage(vaddr, 2)) {
            storeBytes(vaddr, value, 2);
        } else {
            memory.writeShort(dataAddress(vaddr, 2, writeTags, Access.WRITE), value);
        }
    }

    /** @param vaddr a virtual address @param value the 32-bit value to store */
    public void store32(long vaddr, int value) {
        int off = (int) (vaddr & 0xfff);
        if (off > 4096 - 4) {
            storeBytes(vaddr, value, 4);
            return;
        }
        int slot = lookup(vaddr, writeTags);
        if (slot < 0) {
            slot = missToSlot(vaddr, Access.WRITE);
        }
        byte[] host = writableHost(slot);
        if (host != null) {
            memory.putInt(host, tlbHostOffsets[slot] + off, value);
        } else {
            memory.writeInt(tlbFrames[slot] | off, value); // a device window: no RAM chunk behind it
        }
    }

    /** @param vaddr a virtual address @param value the 64-bit value to store */
    public void store64(long vaddr, long value) {
        int off = (int) (vaddr & 0xfff);
        if (off > 4096 - 8) {
            storeBytes(vaddr, value, 8);
            return;
        }
        int slot = lookup(vaddr, writeTags);
        if (slot < 0) {
            slot = missToSlot(vaddr, Access.WRITE);
        }
        byte[] host = writableHost(slot);
        if (host != null) {
            memory.putLong(host, tlbHostOffsets[slot] + off, value);
        } else {
            memory.writeLong(tlbFrames[slot] | off, value); // a device window: no RAM chunk behind it
        }
    }

    /** The slot's RAM chunk, allocated on the first write to a never-written chunk; null for a device page. */
    private byte[] writableHost(int slot) {
        byte[] host = tlbHosts[slot];
        if (host == null) {
            host = memory.writableChunk(tlbFrames[slot]);
            tlbHosts[slot] = host;
        }
        return host;
    }

    /**
     * memcpy between two virtual ranges, a page at a time through the MMU.
     *
     * @param dst destination virtual address
     * @param src source virtual address
     * @param len bytes
     */
    public void copy(long dst, long src, long len) {
        while (len > 0) {
            int n = (int) Math.min(len, Math.min(4096 - (dst & 0xfff), 4096 - (src & 0xfff)));
            long s = dataAddress(src, 1, readTags, Access.READ);
            long d = dataAddress(dst, 1, writeTags, Access.WRITE);
            memory.copy(d, s, n);
            dst += n;
            src += n;
            len -= n;
        }
    }

    /**
     * Reads virtual memory into an array.
     *
     * @param vaddr first virtual address
     * @param out   destination
     * @param off   offset in it
     * @param len   bytes
     */
    public void read(long vaddr, byte[] out, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, 4096 - (vaddr & 0xfff));
            memory.read(dataAddress(vaddr, 1, readTags, Access.READ), out, off, n);
            vaddr += n;
            off += n;
            len -= n;
        }
    }

    /**
     * Writes an array into virtual memory.
     *
     * @param vaddr first virtual address
     * @param in    source
     * @param off   offset in it
     * @param len   bytes
     */
    public void write(long vaddr, byte[] in, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, 4096 - (vaddr & 0xfff));
            memory.write(dataAddress(vaddr, 1, writeTags, Access.WRITE), in, off, n);
            vaddr += n;
            off += n;
            len -= n;
        }
    }

    private static boolean crossesPage(long vaddr, int size) {
        return (vaddr & 0xfff) > 4096 - size;
    }

    private long loadBytes(long vaddr, int size) {
        boolean big = memory.byteOrder() == java.nio.ByteOrder.BIG_ENDIAN;
        long v = 0;
        for (int i = 0; i < size; i++) {
            long b = load8(vaddr + i) & 0xffL;
            v |= big ? b << (8 * (size - 1 - i)) : b << (8 * i);
        }
        return v;
    }

    private void storeBytes(long vaddr, long value, int size) {
        boolean big = memory.byteOrder() == java.nio.ByteOrder.BIG_ENDIAN;
        // Translate both pages before writing anything, so a fault leaves memory untouched.
        dataAddress(vaddr, 1, writeTags, Access.WRITE);
        dataAddress(vaddr + size - 1, 1, writeTags, Access.WRITE);
        for (int i = 0; i < size; i++) {
            store8(vaddr + i, (byte) (value >>> (big ? 8 * (size - 1 - i) : 8 * i)));
        }
    }

    // ---- translation ----------------------------------------------------------------------------

    /**
     * The TLB fast path: the slot whose entry translates {@code vaddr} and allows the access, or -1.
     */
    private int lookup(long vaddr, long[] tags) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "tlb_lookup", "TLB");
        }
        // Opaque, not volatile: it may not be hoisted out of a loop (a posted shootdown is seen at the
        // next access, as an IPI is taken at the next instruction), but it orders nothing else.
        if ((int) PENDING.getOpaque(this) != 0) {
            applyPostedFlushes();
        }
        long vpn = vaddr >>> 12;
        // The tag: the page number, with PID above it for a user address on a tagged TLB (pidKey is 0 on an
        // untagged one). (vaddr - kernelStart) >> 63 is all ones below PAGE_OFFSET for 32-bit addresses, the
        // only ones a tagged TLB sees; no branch.
        long key = vpn | (((vaddr - kernelStart) >> 63) & pidKey);
        int base = (int) (vpn & tlbSetMask) * tlbWays;
        if (tags[base] == key) {
            hits++;
            return base;
        }
        for (int i = base + 1, end = base + tlbWays; i < end; i++) {
            if (tags[i] == key) {
                hits++;
                return i;
            }
        }
        return -1;
    }

    /**
     * Translates an access that stays within one page: the TLB fast path, else {@link #miss}.
     */
    private long dataAddress(long vaddr, int size, long[] tags, Access access) {
        int slot = lookup(vaddr, tags);
        return slot >= 0 ? tlbFrames[slot] | (vaddr & 0xfff) : miss(vaddr, access);
    }

    /** {@link #miss}, then the slot it filled. */
    private int missToSlot(long vaddr, Access access) {
        miss(vaddr, access);
        return tlb.find(vaddr >>> 12);
    }

    /**
     * The slow path: pinned entries, then the walk (hardware on x86, the software miss handler on
     * e500), the permission checks, accessed/dirty, and a TLB refill; a walk that fails is a page fault,
     * taken again as long as the handler fixes the tables.
     */
    private long miss(long vaddr, Access access) {
        tlb.misses++;
        long walksBefore = walks;
        for (int retries = 0; ; retries++) {
            long phys = walkAndFill(vaddr, access);
            if (retries == 0 && trace.active()) {
                // kmemu:tlb_miss, once per miss: the first attempt's walk (a fault's retries are the fault's).
                trace.tlbMiss(id, clockNanos(), traceComm(), tracePid(), vaddr, access.ordinal(),
                        walks != walksBefore ? t.levelsRead : 0, phys == NO_PHYS);
            }
            if (phys != NO_PHYS) {
                return phys;
            }
            pageFault(vaddr, access, retries);
        }
    }

    /**
     * One translation attempt: the physical address, with the TLB refilled, or {@link #NO_PHYS} with
     * {@link #faultProtection}, {@link #faultReason} and {@link #t} describing the fault.
     */
    private long walkAndFill(long vaddr, Access access) {
        if (pinned != null) {
            int p = pinned.find(vaddr);
            if (p >= 0) {
                String why = check(pinned.flags(p), access);
                if (why == null) {
                    // e500's L1 TLBs are refilled from TLB1 by hardware: cache the 4 KiB fragment.
                    pinnedHits++;
                    long phys = pinned.physical(p, vaddr);
                    long frame = phys & ~0xfffL;
                    tlb.insertL1(vaddr >>> 12, 0, frame, cachedPerms(pinned.flags(p)), memory.chunkIfAllocated(frame),
                            PhysicalMemory.chunkOffset(frame));
                    return phys;
                }
                // A TLB1 hit that forbids the access is a storage interrupt at once: no miss, no walk.
                t.levelsRead = 0;
                return noTranslation(true, why);
            }
        }
        boolean kernelAddress = Long.compareUnsigned(vaddr, kernelStart) >= 0;
        if (tlb.hasStlb()) {
            // x86's STLB: a first-level miss it holds refills the first level without a walk, unless the access
            // needs the walk (a check that fails is reported from a walk; a write to a clean page sets D there).
            int s = tlb.stlbFind(vaddr >>> 12);
            if (s >= 0) {
                int flags = tlb.stlbPteFlags(s);
                if (check(flags, access) == null && (access != Access.WRITE || (flags & PteFlags.DIRTY) != 0)) {
                    tlb.refillFromStlb(vaddr >>> 12, s);
                    return tlb.stlbFrame(s) | (vaddr & 0xfff);
                }
            }
        }
        walks++;
        if (softwareRefill) {
            softwareRefills++;
        }
        if (!walker.walk(kernelRootWalk && kernelAddress ? kernelRoot : root, vaddr, t)) {
            return noTranslation(false, "not present");
        }
        String why = check(t.flags, access);
        if (why != null) {
            return noTranslation(true, why);
        }
        walker.markAccessed(t, access == Access.WRITE);
        long frame = (t.pagePhys | (vaddr & ((1L << t.pageShift) - 1))) & ~0xfffL;
        // e500's miss handler loads a kernel translation with TID 0 and a user one with PID (head_85xx.S).
        int tid = kernelAddress ? 0 : tlb.pid();
        tlb.insert(vaddr >>> 12, tid, frame, cachedPerms(t.flags), memory.chunkIfAllocated(frame),
                PhysicalMemory.chunkOffset(frame), t.flags);
        return frame | (vaddr & 0xfff);
    }

    /** @return why the access is not allowed with these effective flags, or null */
    private String check(int flags, Access access) {
        boolean userPage = (flags & PteFlags.USER) != 0;
        if (userMode && !userPage) {
            return "user access to a supervisor page";
        }
        if (access == Access.WRITE && (flags & PteFlags.WRITE) == 0) {
            return "write to a read-only page";
        }
        if (access == Access.EXECUTE) {
            if (nx && (flags & PteFlags.EXEC) == 0) {
                return "instruction fetch from a no-execute page";
            }
            if (!userMode && userPage && smep) {
                return "SMEP: kernel instruction fetch from a user page";
            }
        } else if (!userMode && userPage && smap && !uaccessOpen) {
            return "SMAP: kernel access to a user page outside a uaccess window";
        }
        return null;
    }

    /** The accesses a TLB entry for these flags may serve without a walk. */
    private int cachedPerms(int flags) {
        boolean user = (flags & PteFlags.USER) != 0;
        boolean write = (flags & PteFlags.WRITE) != 0 && (flags & PteFlags.DIRTY) != 0;
        boolean exec = !nx || (flags & PteFlags.EXEC) != 0;
        int p = 0;
        if (!(user && smap)) {
            p |= Tlb.KERNEL_READ | (write ? Tlb.KERNEL_WRITE : 0);
        }
        p |= Tlb.KERNEL_AC_READ | (write ? Tlb.KERNEL_AC_WRITE : 0);
        if (exec && !(user && smep)) {
            p |= Tlb.KERNEL_EXEC;
        }
        if (user) {
            p |= Tlb.USER_READ | (write ? Tlb.USER_WRITE : 0) | (exec ? Tlb.USER_EXEC : 0);
        }
        if ((flags & PteFlags.GLOBAL) != 0) {
            p |= Tlb.GLOBAL;
        }
        return p;
    }

    private long noTranslation(boolean protection, String reason) {
        faultProtection = protection;
        faultReason = reason;
        return NO_PHYS;
    }

    /**
     * The page-fault exception: returns if the handler fixed the tables, else throws the fixup or the
     * oops. The uaccess and fixup windows are closed while the kernel handles the fault (the exception
     * entry's {@code clac}; the handler's own accesses have no exception-table entries) and restored after.
     */
    private void pageFault(long vaddr, Access access, int retries) {
        PageFault f = new PageFault(vaddr, access, userMode, faultProtection, faultReason, t.levelsRead, t.entries.clone(),
                walker.format());
        boolean stac = uaccessOpen;
        boolean fixup = fixupAllowed;
        uaccessOpen = false;
        fixupAllowed = false;
        selectTags();
        FaultResult r;
        try {
            r = faults.resolve(this, f, stac);
        } finally {
            uaccessOpen = stac;
            fixupAllowed = fixup;
            selectTags();
        }
        if (r == FaultResult.RETRY) {
            if (retries + 1 >= MAX_FAULT_RETRIES) {
                throw new IllegalStateException(String.format("page fault handler %s: RETRY %d times for the %s at %#x"
                        + " on CPU %d without mapping it (expected: RETRY only once the tables allow the access)",
                        faults.handler(), MAX_FAULT_RETRIES, access.name().toLowerCase(java.util.Locale.ROOT), vaddr, id));
            }
            return;
        }
        if (r == FaultResult.SIGNAL && userMode) {
            throw new UserFaultSignal(vaddr, access, current == null ? null : current.pendingSignal());
        }
        if ((r == FaultResult.FIXUP || r == FaultResult.SIGNAL) && fixup && !userMode) {
            throw new FixupException(vaddr, access);
        }
        throw new PageFaultException(f, faults.report(f));
    }

    // ---- TLB maintenance ------------------------------------------------------------------------

    /** {@code flush_tlb_all} on this CPU only: everything but pinned entries. */
    public void localFlushTlbAll() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "local_flush_tlb_all", "TLB");
        }
        tlb.flushAll(false);
        if (trace.active()) {
            traceTlbFlush(TlbFlushReason.LOCAL_SHOOTDOWN, TlbFlushReason.FLUSH_ALL);
        }
    }

    /**
     * {@code flush_tlb_one_kernel} / {@code invlpg} on this CPU only; traced as a local shootdown of one page
     * (of its mm for a user address). @param vaddr the page
     */
    public void localFlushTlbPage(long vaddr) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "flush_tlb_one_kernel", "TLB");
        }
        tlb.flushPage(vaddr);
        if (trace.active()) {
            traceTlbFlush(localReason(vaddr), 1);
        }
    }

    /**
     * Local flush of [start, end); traced as a local shootdown (of its mm for user addresses).
     * @param start first address @param end end address
     */
    public void localFlushTlbRange(long start, long end) {
        localFlushTlbRange(start, end, localReason(start));
    }

    /** Local flush of [start, end), traced with the caller's reason. */
    void localFlushTlbRange(long start, long end, int reason) {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "local_flush_tlb_range", "TLB");
        }
        tlb.flushRange(start, end);
        if (trace.active()) {
            traceTlbFlush(reason, rangePages(start, end));
        }
    }

    /**
     * {@code local_flush_tlb_mm} of the address space this CPU has loaded: its non-global entries
     * (x86), or its context's entries (e500, {@code _tlbil_pid}).
     */
    public void localFlushTlbMm() {
        if (PerCpuOwnership.CHECKS) {
            owners.check(id, "local_flush_tlb_mm", "TLB");
        }
        if (contextIds == null) {
            tlb.flushAll(true);
            if (trace.active()) {
                traceTlbFlush(TlbFlushReason.LOCAL_MM_SHOOTDOWN, TlbFlushReason.FLUSH_ALL);
            }
        } else {
            localFlushContext(tlb.pid(), TlbFlushReason.LOCAL_MM_SHOOTDOWN);
        }
    }

    static final long FLUSH_ALL = 0;
    static final long FLUSH_RANGE = 1;
    static final long FLUSH_MM = 2;
    static final long LEAVE_MM = 3;
    static final long FLUSH_MM_RANGE = 4;

    /**
     * Posts a shootdown for this CPU, applied before its next access (an IPI).
     *
     * @param kind  {@link #FLUSH_ALL}, {@link #FLUSH_RANGE}, {@link #FLUSH_MM}, {@link #FLUSH_MM_RANGE} or
     *              {@link #LEAVE_MM}
     * @param start range start (for ranges); for FLUSH_MM on a tagged TLB the context id
     * @param end   range end (for ranges)
     * @param mmRoot the address space whose entries go (FLUSH_MM on an untagged TLB, FLUSH_MM_RANGE, LEAVE_MM):
     *              only if this CPU runs it
     */
    void postFlush(long kind, long start, long end, long mmRoot) {
        posted.add(new long[] {kind, start, end, mmRoot});
        PENDING.getAndAdd(this, 1);
    }

    private void applyPostedFlushes() {
        long[] f;
        while ((f = posted.poll()) != null) {
            PENDING.getAndAdd(this, -1);
            // A shootdown this CPU applies is x86's flush_tlb_func on a CPU that did not initiate it:
            // REMOTE_SHOOTDOWN, traced only when it touched this TLB (leave_mm's switch traces itself).
            if (f[0] == FLUSH_ALL) {
                tlb.flushAll(false);
                traceRemote(TlbFlushReason.FLUSH_ALL);
            } else if (f[0] == FLUSH_RANGE) {
                tlb.flushRange(f[1], f[2]);
                traceRemote(rangePages(f[1], f[2]));
            } else if (f[0] == LEAVE_MM) {
                if (f[3] == root) {
                    switchMm(initMm); // leave_mm: switch_mm to init_mm, whose tables live on
                }
            } else if (f[0] == FLUSH_MM_RANGE) {
                if (f[3] == root) {
                    tlb.flushRange(f[1], f[2]);
                    traceRemote(rangePages(f[1], f[2]));
                }
            } else if (contextIds != null) {
                localFlushContext((int) f[1], TlbFlushReason.REMOTE_SHOOTDOWN);
            } else if (f[3] == root) {
                tlb.flushAll(true);
                traceRemote(TlbFlushReason.FLUSH_ALL);
            }
        }
    }

    private void traceRemote(long pages) {
        if (trace.active()) {
            traceTlbFlush(TlbFlushReason.REMOTE_SHOOTDOWN, pages);
        }
    }

    /** @return this CPU's TLB counters */
    public TlbStats tlbStats() {
        return new TlbStats(id, hits, tlb.misses, walks, softwareRefills, pinnedHits, tlb.stlbHits, tlb.flushes, tlb.valid(),
                tlb.sets * tlb.ways, pinned == null ? 0 : pinned.size());
    }
}
