package org.kmemu.core.mm.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.VmFile;

/**
 * A file's page cache for fault tests: a map from page offset to a frame that holds one reference of its
 * own (the cache's), filled with a pattern on first use ("read from disk": VM_FAULT_MAJOR). It can answer
 * VM_FAULT_RETRY once per page (dropping the mmap lock as filemap_fault does), SIGBUS past its size, and
 * counts its ->fault and ->page_mkwrite calls.
 */
final class FakePageCache implements VmOperations {
    final Map<Long, Long> pages = new HashMap<>();
    final List<Integer> faultFlags = new ArrayList<>();
    final PageApi api;
    final long sizePages;
    final int pageShift;
    final org.kmemu.core.mm.PhysicalMemory memory;
    final VmFile file;
    final org.kmemu.core.mm.PageFrames frames;
    boolean retryFirst;
    int mkwriteCalls;

    FakePageCache(UserMmFixture f, long sizePages) {
        this.api = f.m.kernel().pages();
        this.memory = f.m.memory();
        this.sizePages = sizePages;
        this.pageShift = f.m.pageShift();
        this.file = new VmFile("/data", 8, 1, 42, this);
        this.frames = f.m.pageFrames();
    }

    /** The pattern of a file page: each 32-bit word holds pgoff * 0x10000 + its index. */
    static int pattern(long pgoff, int word) {
        return (int) (pgoff * 0x10000 + word);
    }

    @Override
    public int fault(VmFault vmf) {
        faultFlags.add(vmf.flags);
        if (vmf.pgoff >= sizePages) {
            return VmFaultCodes.VM_FAULT_SIGBUS;
        }
        Long pfn = pages.get(vmf.pgoff);
        int ret = 0;
        if (pfn == null) {
            if (retryFirst && (vmf.flags & FaultFlags.FAULT_FLAG_ALLOW_RETRY) != 0
                    && (vmf.flags & FaultFlags.FAULT_FLAG_TRIED) == 0) {
                // filemap_fault: start the read, drop the mmap lock, ask for a retry.
                load(vmf);
                if ((vmf.flags & FaultFlags.FAULT_FLAG_RETRY_NOWAIT) == 0) {
                    vmf.mm.mmapLock().readUnlock();
                }
                return VmFaultCodes.VM_FAULT_RETRY;
            }
            pfn = load(vmf);
            ret = VmFaultCodes.VM_FAULT_MAJOR;
        }
        api.getPage(vmf.cpu, pfn);
        vmf.pfn = pfn;
        return ret;
    }

    private long load(VmFault vmf) {
        long pfn = api.allocPages(vmf.cpu, Gfp.GFP_HIGHUSER_MOVABLE, 0);
        if (pfn == PageAllocator.NO_PFN) {
            throw new IllegalStateException("no page for the cache");
        }
        for (int w = 0; w < (1 << pageShift) / 4; w++) {
            memory.writeInt((pfn << pageShift) + 4L * w, pattern(vmf.pgoff, w));
        }
        api.setPageMapping(pfn, MappingWord.of(1, 0, vmf.pgoff));
        pages.put(vmf.pgoff, pfn);
        return pfn;
    }

    @Override
    public int pageMkwrite(VmFault vmf) {
        mkwriteCalls++;
        return 0;
    }

    boolean dirty(long pgoff) {
        return (frames.flags(pages.get(pgoff)) & PageFlags.PG_DIRTY) != 0;
    }

    /** Drops the cache: every page's mapping cleared and the cache's reference put. */
    void evictAll(org.kmemu.core.mmu.Cpu cpu) {
        for (long pfn : pages.values()) {
            api.setPageMapping(pfn, 0);
            api.putPage(cpu, pfn);
        }
        pages.clear();
    }
}
