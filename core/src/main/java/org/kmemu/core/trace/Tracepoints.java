package org.kmemu.core.trace;

import java.util.Arrays;

/**
 * The machine's memory tracepoints (one per machine: the MMU owns it, {@code Mmu.tracepoints()}): the kernel services fire them, the probes attached here receive
 * them. This is the kernel's tracepoint with its probe array (kernel/tracepoint.c): attaching or
 * detaching replaces the array (copy on write, under a lock), firing reads it once and calls each
 * probe in attach order, with no lock.
 *
 * <p>With nothing attached a service pays one volatile read: callers test {@link #active()} before
 * they gather the event's fields (the current task, the clock, the struct page address), as the
 * kernel's {@code trace_kmalloc()} is behind a static key and costs nothing until a probe registers.
 * The ftrace ring ({@link TraceBuffer}) is one probe among others, attached while tracing is on.
 */
public final class Tracepoints {
    private static final KmemProbe[] NONE = {};

    private volatile KmemProbe[] probes = NONE;

    /** @return whether any probe is attached: gather an event's fields only if so */
    public boolean active() {
        return probes.length != 0;
    }

    /**
     * {@code tracepoint_probe_register()}: the probe receives every event fired after this returns.
     * Attaching a probe that is attached already changes nothing.
     *
     * @param probe the probe
     */
    public synchronized void attach(KmemProbe probe) {
        KmemProbe[] now = probes;
        for (KmemProbe p : now) {
            if (p == probe) {
                return;
            }
        }
        KmemProbe[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = probe;
        probes = next;
    }

    /**
     * {@code tracepoint_probe_unregister()}: the probe receives no event fired after this returns (an
     * event another CPU is delivering at this moment may still reach it, as in the kernel before
     * {@code tracepoint_synchronize_unregister()}).
     *
     * @param probe the probe; one that is not attached is ignored
     */
    public synchronized void detach(KmemProbe probe) {
        KmemProbe[] now = probes;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == probe) {
                KmemProbe[] next = new KmemProbe[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                probes = next.length == 0 ? NONE : next;
                return;
            }
        }
    }

    /**
     * @param probe a probe
     * @return whether it is attached
     */
    public boolean attached(KmemProbe probe) {
        for (KmemProbe p : probes) {
            if (p == probe) {
                return true;
            }
        }
        return false;
    }

    /** Fires {@link KmemProbe#mmPageAlloc}; see there for the fields. */
    public void mmPageAlloc(int cpu, long nanos, String comm, int pid, long page, long pfn, int order, int migratetype,
                            int gfp) {
        for (KmemProbe p : probes) {
            p.mmPageAlloc(cpu, nanos, comm, pid, page, pfn, order, migratetype, gfp);
        }
    }

    /** Fires {@link KmemProbe#mmPageFree}; see there for the fields. */
    public void mmPageFree(int cpu, long nanos, String comm, int pid, long page, long pfn, int order) {
        for (KmemProbe p : probes) {
            p.mmPageFree(cpu, nanos, comm, pid, page, pfn, order);
        }
    }

    /** Fires {@link KmemProbe#mmPageAllocExtfrag}; see there for the fields. */
    public void mmPageAllocExtfrag(int cpu, long nanos, String comm, int pid, long page, long pfn, int allocOrder,
                                   int fallbackOrder, int pageblockOrder, int allocMigratetype, int fallbackMigratetype,
                                   boolean changeOwnership) {
        for (KmemProbe p : probes) {
            p.mmPageAllocExtfrag(cpu, nanos, comm, pid, page, pfn, allocOrder, fallbackOrder, pageblockOrder,
                    allocMigratetype, fallbackMigratetype, changeOwnership);
        }
    }

    /** Fires {@link KmemProbe#kmalloc}; see there for the fields. */
    public void kmalloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq, long bytesAlloc,
                        int gfp) {
        for (KmemProbe p : probes) {
            p.kmalloc(cpu, nanos, comm, pid, callSite, ptr, bytesReq, bytesAlloc, gfp);
        }
    }

    /** Fires {@link KmemProbe#kmemCacheAlloc}; see there for the fields. */
    public void kmemCacheAlloc(int cpu, long nanos, String comm, int pid, String callSite, long ptr, long bytesReq,
                               long bytesAlloc, int gfp) {
        for (KmemProbe p : probes) {
            p.kmemCacheAlloc(cpu, nanos, comm, pid, callSite, ptr, bytesReq, bytesAlloc, gfp);
        }
    }

    /** Fires {@link KmemProbe#kfree}; see there for the fields. */
    public void kfree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        for (KmemProbe p : probes) {
            p.kfree(cpu, nanos, comm, pid, callSite, ptr);
        }
    }

    /** Fires {@link KmemProbe#kmemCacheFree}; see there for the fields. */
    public void kmemCacheFree(int cpu, long nanos, String comm, int pid, String callSite, long ptr) {
        for (KmemProbe p : probes) {
            p.kmemCacheFree(cpu, nanos, comm, pid, callSite, ptr);
        }
    }

    /** Fires {@link KmemProbe#allocVmapArea}; see there for the fields. */
    public void allocVmapArea(int cpu, long nanos, String comm, int pid, long addr, long size, long align, long vstart,
                              long vend, boolean failed) {
        for (KmemProbe p : probes) {
            p.allocVmapArea(cpu, nanos, comm, pid, addr, size, align, vstart, vend, failed);
        }
    }

    /** Fires {@link KmemProbe#purgeVmapAreaLazy}; see there for the fields. */
    public void purgeVmapAreaLazy(int cpu, long nanos, String comm, int pid, long start, long end, int npurged) {
        for (KmemProbe p : probes) {
            p.purgeVmapAreaLazy(cpu, nanos, comm, pid, start, end, npurged);
        }
    }

    /** Fires {@link KmemProbe#freeVmapAreaNoflush}; see there for the fields. */
    public void freeVmapAreaNoflush(int cpu, long nanos, String comm, int pid, long vaStart, long nrLazy, long nrLazyMax) {
        for (KmemProbe p : probes) {
            p.freeVmapAreaNoflush(cpu, nanos, comm, pid, vaStart, nrLazy, nrLazyMax);
        }
    }

    /** Fires {@link KmemProbe#tlbFlush}; see there for the fields. */
    public void tlbFlush(int cpu, long nanos, String comm, int pid, int reason, long pages) {
        for (KmemProbe p : probes) {
            p.tlbFlush(cpu, nanos, comm, pid, reason, pages);
        }
    }

    /** Fires {@link KmemProbe#pageFaultUser} or {@link KmemProbe#pageFaultKernel}; see there for the fields. */
    public void pageFault(int cpu, long nanos, String comm, int pid, boolean user, long address, long ip, long errorCode) {
        for (KmemProbe p : probes) {
            if (user) {
                p.pageFaultUser(cpu, nanos, comm, pid, address, ip, errorCode);
            } else {
                p.pageFaultKernel(cpu, nanos, comm, pid, address, ip, errorCode);
            }
        }
    }

    /** Fires {@link KmemProbe#kmap}; see there for the fields. */
    public void kmap(int cpu, long nanos, String comm, int pid, long pfn, long vaddr, int kind, boolean highmem) {
        for (KmemProbe p : probes) {
            p.kmap(cpu, nanos, comm, pid, pfn, vaddr, kind, highmem);
        }
    }

    /** Fires {@link KmemProbe#kunmap}; see there for the fields. */
    public void kunmap(int cpu, long nanos, String comm, int pid, long vaddr, int kind) {
        for (KmemProbe p : probes) {
            p.kunmap(cpu, nanos, comm, pid, vaddr, kind);
        }
    }

    /** Fires {@link KmemProbe#tlbMiss}; see there for the fields. */
    public void tlbMiss(int cpu, long nanos, String comm, int pid, long address, int access, int levels, boolean fault) {
        for (KmemProbe p : probes) {
            p.tlbMiss(cpu, nanos, comm, pid, address, access, levels, fault);
        }
    }
}
