package org.kmemu.core.mmu;

import java.util.Arrays;

/**
 * One CPU's TLB for base pages: a set-associative array of 4 KiB translations, direct-mapped when it
 * has one way, looked up the way QEMU's softmmu looks up its TLB: index by the low bits of the virtual
 * page number, compare the tag, use the cached frame. Large pages are cached as the 4 KiB fragment
 * that was touched (as many real TLBs do). Like QEMU's, each entry also caches where the page's
 * bytes live in the emulator (the RAM chunk and offset), so a hit costs no further lookup.
 *
 * <p>Each entry caches which accesses it allows, per mode, computed when it was filled
 * ({@link #KERNEL_READ} ...). A write through an entry whose page was clean is not allowed from the
 * TLB: it takes the slow path so that the walker can set the dirty bit, as x86 hardware does.
 *
 * <p>On e500 this array plays the L1 TLBs, which hardware refills from both TLB0 and the pinned TLB1
 * entries; its geometry is TLB0's. A flush drops L1 copies of pinned translations too, and the next
 * access refills them from TLB1, which flushes never touch (IPROT).
 *
 * <h2>Context tags (e500 TID)</h2>
 * On a tagged TLB every entry keeps the context id it was loaded under ({@link #tids}): 0 for kernel
 * translations, which match whatever the PID register holds, else the PID at refill time. The TID is
 * part of the tag: an entry's tag is its virtual page number with the TID in bits
 * {@value #TID_SHIFT} and up ({@link #key}), and the CPU looks a user address up with the PID in those
 * bits and a kernel address with none, so a switch ({@link #setPid}) changes one register and touches no
 * entry, and a switch back to a context finds its entries. Two entries for the same page under different
 * TIDs may sit in one set, as on the hardware. Virtual page numbers of tagged (32-bit) user addresses
 * stay far below bit {@value #TID_SHIFT}; untagged TLBs never set those bits.
 *
 * <h2>Second level (x86 STLB)</h2>
 * With {@code stlbSets * stlbWays > 0} a larger set-associative array stands behind the first level
 * ({@link #stlbFind}): every walk fills both, a first-level miss that the second level holds refills the
 * first level from it without a walk, and every flush drops the page (or context, or everything) from both,
 * as x86's invlpg and CR3 writes do. It keeps the PTE flags the walk saw ({@link #stlbPteFlags}) so that the
 * CPU checks the access against them as after a walk. Like the first level it caches the touched 4 KiB
 * fragment of a large page (Skylake's STLB holds 2 MiB entries whole: kmemu's uses more entries for them).
 *
 * <p>Owned by one CPU's thread. Other CPUs never touch it directly: they post shootdowns
 * ({@link Cpu#postFlush}), which the owner applies before its next access.
 */
final class Tlb {
    static final int KERNEL_READ = 1;
    static final int KERNEL_WRITE = 1 << 1;
    static final int KERNEL_EXEC = 1 << 2;
    static final int USER_READ = 1 << 3;
    static final int USER_WRITE = 1 << 4;
    static final int USER_EXEC = 1 << 5;
    /**
     * A kernel-mode read with EFLAGS.AC set (inside {@code stac}/{@code clac}): SMAP does not apply, so
     * user pages are allowed too. Without SMAP the same as {@link #KERNEL_READ}.
     */
    static final int KERNEL_AC_READ = 1 << 6;
    /** A kernel-mode write with EFLAGS.AC set. */
    static final int KERNEL_AC_WRITE = 1 << 7;
    /** The number of access kinds, each with its tag array: bits 0 to ACCESS_KINDS - 1. */
    static final int ACCESS_KINDS = 8;
    /** The translation is global: kept when the address space switches. */
    static final int GLOBAL = 1 << ACCESS_KINDS;

    private static final long INVALID = -1L;
    /** Where the TID sits in a tag: above any user virtual page number (47-bit user space at most). */
    static final int TID_SHIFT = 48;

    final int sets;
    final int ways;
    private final long setMask;
    final long[] tags;
    final long[] frames;
    final int[] perms;
    /**
     * One tag array per kind of access ({@link #KERNEL_READ} ... {@link #KERNEL_AC_WRITE}, by bit index): an
     * entry's tag appears in the arrays of the accesses it allows and is invalid in the others, so
     * the fast path tests tag and permission with a single load (QEMU's addr_read/addr_write/addr_code).
     */
    final long[][] accessTags;
    /** Per entry: the RAM chunk holding the page, or null (never written, or not RAM); see QEMU's addend. */
    final byte[][] hosts;
    /** Per entry: the page's offset inside {@link #hosts}. */
    final int[] hostOffsets;
    /** Per entry: the context id (TID) it was loaded under; 0 on an untagged TLB. */
    final int[] tids;
    private final byte[] victim;
    /** The PID register: entries with this TID, or TID 0, are visible. Always 0 on an untagged TLB. */
    private int pid;

    long misses;
    long flushes;
    /** First-level misses the second level served. */
    long stlbHits;

    /** The second level: 0 sets without one. */
    final int stlbSets;
    final int stlbWays;
    private final long stlbSetMask;
    private final long[] stlbTags;
    private final long[] stlbFrames;
    private final int[] stlbPerms;
    /** Per second-level entry: the PTE flags ({@link org.kmemu.api.PteFlags}) the walk that filled it saw. */
    private final int[] stlbPteFlags;
    private final byte[][] stlbHosts;
    private final int[] stlbHostOffsets;
    private final int[] stlbTids;
    private final byte[] stlbVictim;

    Tlb(int sets, int ways) {
        this(sets, ways, 0, 0);
    }

    /**
     * @param sets     first-level sets, a power of two
     * @param ways     first-level ways
     * @param stlbSets second-level sets, a power of two, or 0 for none
     * @param stlbWays second-level ways, or 0 for none
     */
    Tlb(int sets, int ways, int stlbSets, int stlbWays) {
        this.sets = sets;
        this.ways = ways;
        this.setMask = sets - 1;
        this.tags = new long[sets * ways];
        this.frames = new long[sets * ways];
        this.perms = new int[sets * ways];
        this.accessTags = new long[ACCESS_KINDS][sets * ways];
        for (long[] a : accessTags) {
            Arrays.fill(a, INVALID);
        }
        this.hosts = new byte[sets * ways][];
        this.hostOffsets = new int[sets * ways];
        this.tids = new int[sets * ways];
        this.victim = new byte[sets];
        Arrays.fill(tags, INVALID);
        int stlbEntries = stlbSets * stlbWays;
        this.stlbSets = stlbEntries == 0 ? 0 : stlbSets;
        this.stlbWays = stlbEntries == 0 ? 0 : stlbWays;
        this.stlbSetMask = Math.max(stlbSets, 1) - 1;
        this.stlbTags = new long[stlbEntries];
        Arrays.fill(stlbTags, INVALID);
        this.stlbFrames = new long[stlbEntries];
        this.stlbPerms = new int[stlbEntries];
        this.stlbPteFlags = new int[stlbEntries];
        this.stlbHosts = new byte[stlbEntries][];
        this.stlbHostOffsets = new int[stlbEntries];
        this.stlbTids = new int[stlbEntries];
        this.stlbVictim = new byte[Math.max(stlbSets, 1)];
    }

    /** @return whether there is a second level */
    boolean hasStlb() {
        return stlbSets != 0;
    }

    /**
     * @param vpn a virtual page number
     * @return the second-level slot caching it for the current context (TID 0 or PID), or -1 (also without
     *         a second level)
     */
    int stlbFind(long vpn) {
        if (stlbSets == 0) {
            return -1;
        }
        int slot = stlbFind(vpn, pid);
        return slot >= 0 || pid == 0 ? slot : stlbFind(vpn, 0);
    }

    private int stlbFind(long vpn, int tid) {
        int base = (int) (vpn & stlbSetMask) * stlbWays;
        long key = key(vpn, tid);
        for (int i = base; i < base + stlbWays; i++) {
            if (stlbTags[i] == key) {
                return i;
            }
        }
        return -1;
    }

    /** @return the PTE flags of a second-level entry */
    int stlbPteFlags(int slot) {
        return stlbPteFlags[slot];
    }

    /** @return the 4 KiB frame's physical address a second-level entry caches */
    long stlbFrame(int slot) {
        return stlbFrames[slot];
    }

    /**
     * A first-level miss that the second level served: counted, and the entry copied into the first level.
     *
     * @param vpn  the page
     * @param slot its second-level slot ({@link #stlbFind})
     * @return the first-level slot filled
     */
    int refillFromStlb(long vpn, int slot) {
        stlbHits++;
        return insertL1(vpn, stlbTids[slot], stlbFrames[slot], stlbPerms[slot], stlbHosts[slot], stlbHostOffsets[slot]);
    }

    /**
     * Caches a walked translation in both levels.
     *
     * @param pteFlags the PTE flags the walk saw, kept by the second level
     * @return the first-level slot used
     */
    int insert(long vpn, int tid, long frame, int perm, byte[] host, int hostOffset, int pteFlags) {
        if (stlbSets != 0) {
            int slot = stlbFind(vpn, tid);
            if (slot < 0) {
                int set = (int) (vpn & stlbSetMask);
                slot = set * stlbWays + stlbVictim[set];
                stlbVictim[set] = (byte) ((stlbVictim[set] + 1) % stlbWays);
            }
            stlbTags[slot] = key(vpn, tid);
            stlbTids[slot] = tid;
            stlbFrames[slot] = frame;
            stlbPerms[slot] = perm;
            stlbPteFlags[slot] = pteFlags;
            stlbHosts[slot] = host;
            stlbHostOffsets[slot] = hostOffset;
        }
        return insertL1(vpn, tid, frame, perm, host, hostOffset);
    }

    /** @return the first slot of the set holding virtual page {@code vpn} */
    int setBase(long vpn) {
        return (int) (vpn & setMask) * ways;
    }

    /**
     * @param vpn a virtual page number (vaddr >>> 12)
     * @return the slot caching it for the current context (TID 0 or PID), or -1
     */
    int find(long vpn) {
        int slot = find(vpn, pid);
        return slot >= 0 || pid == 0 ? slot : find(vpn, 0);
    }

    /** @return the slot caching {@code vpn} under exactly {@code tid}, or -1 */
    private int find(long vpn, int tid) {
        int base = setBase(vpn);
        long key = key(vpn, tid);
        for (int i = base; i < base + ways; i++) {
            if (tags[i] == key) {
                return i;
            }
        }
        return -1;
    }

    /** @return the tag of {@code vpn} loaded under {@code tid}: the TID above bit {@value #TID_SHIFT} */
    static long key(long vpn, int tid) {
        return vpn | (long) tid << TID_SHIFT;
    }

    /**
     * Caches a translation under TID 0 (kernel, or any translation on an untagged TLB).
     *
     * @return the slot used
     */
    int insert(long vpn, long frame, int perm, byte[] host, int hostOffset) {
        return insertL1(vpn, 0, frame, perm, host, hostOffset);
    }

    /**
     * Caches a translation loaded under context {@code tid}, replacing the same page's entry for that
     * context or the set's next victim (round robin).
     *
     * @return the slot used
     */
    int insertL1(long vpn, int tid, long frame, int perm, byte[] host, int hostOffset) {
        assert tid == 0 || tid == pid : "refill under TID " + tid + " with PID " + pid;
        int slot = find(vpn, tid);
        if (slot < 0) {
            int set = (int) (vpn & setMask);
            slot = set * ways + victim[set];
            victim[set] = (byte) ((victim[set] + 1) % ways);
        }
        long key = key(vpn, tid);
        tags[slot] = key;
        tids[slot] = tid;
        frames[slot] = frame;
        perms[slot] = perm;
        long[][] at = accessTags;
        for (int b = 0; b < ACCESS_KINDS; b++) { // a constant bound: the JIT unrolls it
            at[b][slot] = (perm & (1 << b)) != 0 ? key : INVALID;
        }
        hosts[slot] = host;
        hostOffsets[slot] = hostOffset;
        return slot;
    }

    /**
     * {@code mtspr PID}: entries of the old context stop matching and the new context's match again;
     * nothing is dropped or rewritten (the CPU looks user addresses up with the new PID in the tag).
     *
     * @param newPid the context id now in PID
     */
    void setPid(int newPid) {
        pid = newPid;
    }

    /** @return the PID register */
    int pid() {
        return pid;
    }

    /**
     * {@code _tlbil_pid} with {@code tlbilx}: drops the entries loaded under one context.
     *
     * @param tid a context id, not 0
     */
    void flushContext(int tid) {
        flushes++;
        for (int i = 0; i < tids.length; i++) {
            if (tids[i] == tid && tags[i] != INVALID) {
                invalidate(i);
            }
        }
        for (int i = 0; i < stlbTids.length; i++) {
            if (stlbTids[i] == tid) {
                stlbTags[i] = INVALID;
            }
        }
    }

    /** {@code __flush_tlb_all} / a CR3 write: drops everything, or everything but global entries. */
    void flushAll(boolean keepGlobal) {
        flushes++;
        for (int i = 0; i < tags.length; i++) {
            if (!keepGlobal || (perms[i] & GLOBAL) == 0) {
                invalidate(i);
            }
        }
        for (int i = 0; i < stlbTags.length; i++) {
            if (!keepGlobal || (stlbPerms[i] & GLOBAL) == 0) {
                stlbTags[i] = INVALID;
            }
        }
    }

    /**
     * {@code flush_tlb_one_kernel}/{@code invlpg}: drops one page, global or not, under every context id
     * (more than e500's {@code tlbsx}-based {@code __tlbil_va} drops, never less).
     */
    void flushPage(long vaddr) {
        flushes++;
        dropPage(vaddr >>> 12);
    }

    private void dropPage(long vpn) {
        int base = setBase(vpn);
        for (int i = base; i < base + ways; i++) {
            if (tags[i] != INVALID && tags[i] == key(vpn, tids[i])) {
                invalidate(i);
            }
        }
        if (stlbSets != 0) {
            int sbase = (int) (vpn & stlbSetMask) * stlbWays;
            for (int i = sbase; i < sbase + stlbWays; i++) {
                if (stlbTags[i] != INVALID && stlbTags[i] == key(vpn, stlbTids[i])) {
                    stlbTags[i] = INVALID;
                }
            }
        }
    }

    private void invalidate(int slot) {
        tags[slot] = INVALID;
        for (long[] a : accessTags) {
            a[slot] = INVALID;
        }
    }

    /** Drops every entry for [start, end); a range larger than the TLB drops it all, as x86's ceiling does. */
    void flushRange(long start, long end) {
        flushes++;
        long pages = Long.divideUnsigned(end - start + 0xfff, 4096);
        boolean allL1 = Long.compareUnsigned(pages, tags.length) > 0;
        boolean allStlb = Long.compareUnsigned(pages, stlbTags.length) > 0;
        if (allL1) {
            for (int i = 0; i < tags.length; i++) {
                invalidate(i);
            }
        }
        if (allStlb) {
            Arrays.fill(stlbTags, INVALID);
        }
        if (allL1 && allStlb) {
            return;
        }
        for (long p = 0; p < pages; p++) {
            dropPage((start >>> 12) + p);
        }
    }

    /** @return how many entries are valid now */
    int valid() {
        int n = 0;
        for (long t : tags) {
            if (t != INVALID) {
                n++;
            }
        }
        return n;
    }
}
