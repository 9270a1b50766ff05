package org.kmemu.bench;

import java.util.HashMap;
import java.util.Map;
import org.kmemu.core.fs.Filemap;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.fs.RamFs;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.FaultFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.memory.VmOperations;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The page cache's hit path on a 4,096-page file, all of it cached, at 4,096 precomputed pseudo-random
 * page indices taken in turn: {@code filemapFaultHit} is filemap_fault finding the page (lookup under the
 * xa_lock, reference, PG_locked, mapping check, unlock) plus the caller's put_page; {@code findGetPagePut}
 * is the lookup and put alone; {@code boxedHashMapPeer} is the simple page cache the brief allowed, a
 * {@code HashMap<Long, Long>} lookup, as the peer of kmemu's primitive open-addressing table.
 */
@State(Scope.Thread)
public class FilemapBench extends BenchBase {
    private static final int PAGES = 4096;

    private Cpu cpu;
    private PageApi pages;
    private Filemap fm;
    private Inode inode;
    private VmOperations ops;
    private Vma vma;
    private final Map<Long, Long> boxed = new HashMap<>();
    private final long[] indices = new long[4096];
    private int next;

    /** Boots the machine, creates the file and reads all of it into the cache. */
    @Setup
    public void setUp() {
        Machine m = MmuBench.boot("x86_64");
        cpu = m.mmu().cpu(0);
        pages = m.kernel().pages();
        RamFs fs = m.kernel().fs();
        fm = fs.filemap();
        inode = fs.create("/bench", new byte[PAGES * 4096]);
        byte[] all = new byte[PAGES * 4096];
        if (fm.read(cpu, inode, 0, all, 0, all.length) != all.length) {
            throw new IllegalStateException("short read");
        }
        ops = inode.vmOps();
        vma = new Vma(0x10000000L, 0x10000000L + PAGES * 4096L, VmFlags.VM_READ | VmFlags.VM_SHARED, 0, inode.open(), null);
        for (long i = 0; i < PAGES; i++) {
            long pfn = fm.findGetPage(inode.mapping(), i);
            boxed.put(i, pfn);
            pages.putPage(cpu, pfn);
        }
        long x = 0x9e3779b97f4a7c15L;
        for (int i = 0; i < indices.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            indices[i] = Math.floorMod(x, PAGES);
        }
    }

    /** @return the page (the fault needs no mm on the hit path without FAULT_FLAG_ALLOW_RETRY) */
    @Benchmark
    public long filemapFaultHit() {
        long pgoff = indices[next++ & 4095];
        VmFault vmf = new VmFault(cpu, null, vma, vma.start() + (pgoff << 12), pgoff, FaultFlags.FAULT_FLAG_USER);
        ops.fault(vmf);
        pages.putPage(cpu, vmf.pfn);
        return vmf.pfn;
    }

    /** @return the page */
    @Benchmark
    public long findGetPagePut() {
        long pfn = fm.findGetPage(inode.mapping(), indices[next++ & 4095]);
        pages.putPage(cpu, pfn);
        return pfn;
    }

    /** @return the page */
    @Benchmark
    public long boxedHashMapPeer() {
        return boxed.get(indices[next++ & 4095]);
    }
}
