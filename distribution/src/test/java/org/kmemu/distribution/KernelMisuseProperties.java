package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.SlabCache;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * Random sequences of kmalloc/kmem_cache traffic with misuse mixed in (double frees, interior pointers,
 * wrong caches, ksize of freed objects), generated as operations so that jqwik shrinks a failure to the
 * few that matter. Every misuse must print a report (or, where the kernel stops, throw
 * {@link KernelOopsException}), never a raw JDK exception; every live object keeps its contents and is
 * handed out once; at the end every page is back.
 */
class KernelMisuseProperties {

    /** One step. {@code pick} chooses among the live objects (modulo their number). */
    sealed interface Op permits Kmalloc, CacheAlloc, Free, DoubleFree, InteriorFree, WrongCacheFree, KsizeFreed, Krealloc {
    }

    record Kmalloc(int size) implements Op {
    }

    record CacheAlloc(boolean cacheA) implements Op {
    }

    record Free(int pick) implements Op {
    }

    /** Frees an object, then frees it again at once (before anything can reuse it). */
    record DoubleFree(int pick) implements Op {
    }

    record InteriorFree(int pick, int offset) implements Op {
    }

    /** Frees an object of one test cache to the other. */
    record WrongCacheFree(int pick) implements Op {
    }

    /** Frees an object, then asks ksize about it. */
    record KsizeFreed(int pick) implements Op {
    }

    record Krealloc(int pick, int size) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> pick = Arbitraries.integers().between(0, 1000);
        // Each object carries a 4-byte tag at its start, so it is asked for at least 4 bytes: a tag in a 1-byte
        // object would overrun it, and under SLOB (no rounding, objects packed in 2-byte units) corrupt the
        // next block's size header, which is the test's bug, not the allocator's.
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.oneOf(Arbitraries.integers().between(4, 3000),
                        Arbitraries.integers().between(9000, 40000)).map(Kmalloc::new)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(true, false).map(CacheAlloc::new)),
                net.jqwik.api.Tuple.of(4, pick.map(Free::new)),
                net.jqwik.api.Tuple.of(1, pick.map(DoubleFree::new)),
                net.jqwik.api.Tuple.of(1, net.jqwik.api.Combinators.combine(pick, Arbitraries.integers().between(1, 63))
                        .as(InteriorFree::new)),
                net.jqwik.api.Tuple.of(1, pick.map(WrongCacheFree::new)),
                net.jqwik.api.Tuple.of(1, pick.map(KsizeFreed::new)),
                net.jqwik.api.Tuple.of(2, net.jqwik.api.Combinators.combine(pick, Arbitraries.integers().between(4, 12000))
                        .as(Krealloc::new)));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    /** A live allocation: its address, its tag, how big it was asked for, and its cache (null: kmalloc). */
    private record Obj(long addr, int tag, long size, SlabCache cache) {
    }

    @Property(tries = 40)
    void misuseIsReportedAndNeverCorrupts(@ForAll("ops") List<Op> ops, @ForAll("policies") String policy) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/i386-highmem.conf"),
                Map.of("kmemu.memory.map", "[{start = 0, size = 0x9fc00, type = usable},"
                        + " {start = 0x100000, size = 0x3ff00000, type = usable}]",
                        "kmemu.machine.object-allocator", policy), Launcher.DIST.resolve("plugins"));
        SlabLayer slab = m.kernel().slab();
        Cpu cpu = m.mmu().cpu(0);
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        SlabCache a = slab.kmemCacheCreate("prop-a", 48, 0, 0, null);
        SlabCache b = slab.kmemCacheCreate("prop-b", 120, 0, 0, null);
        List<Obj> live = new ArrayList<>();
        int tag = 1;
        for (Op op : ops) {
            int before = m.log().texts().size();
            boolean misuse = !(op instanceof Kmalloc || op instanceof CacheAlloc || op instanceof Free || op instanceof Krealloc);
            try {
                if (op instanceof Kmalloc k) {
                    add(live, cpu, new Obj(slab.kmalloc(cpu, k.size(), Gfp.GFP_KERNEL, "prop"), tag++, k.size(), null));
                } else if (op instanceof CacheAlloc c) {
                    SlabCache cache = c.cacheA() ? a : b;
                    add(live, cpu, new Obj(slab.kmemCacheAlloc(cpu, cache, Gfp.GFP_KERNEL, "prop"), tag++, cache.objectSize(), cache));
                } else if (live.isEmpty()) {
                    misuse = false;
                } else if (op instanceof Free f) {
                    free(slab, cpu, live.remove(f.pick() % live.size()));
                } else if (op instanceof DoubleFree d) {
                    Obj o = live.remove(d.pick() % live.size());
                    free(slab, cpu, o);
                    free(slab, cpu, o);
                } else if (op instanceof InteriorFree i) {
                    Obj o = live.get(i.pick() % live.size());
                    long at = o.addr() + Math.min(i.offset(), o.size() - 1);
                    if (at == o.addr()) {
                        misuse = false;
                    } else if (o.cache() == null) {
                        slab.kfree(cpu, at, "prop");
                    } else {
                        slab.kmemCacheFree(cpu, o.cache(), at, "prop");
                    }
                } else if (op instanceof WrongCacheFree w) {
                    Obj o = live.get(w.pick() % live.size());
                    if (o.cache() == null) {
                        misuse = false;
                    } else {
                        live.remove(o);
                        slab.kmemCacheFree(cpu, o.cache() == a ? b : a, o.addr(), "prop");
                    }
                } else if (op instanceof KsizeFreed k) {
                    Obj o = live.remove(k.pick() % live.size());
                    free(slab, cpu, o);
                    misuse = false; // the kernel cannot tell a freed object: no report needed, and no oops
                    slab.ksize(o.addr());
                } else if (op instanceof Krealloc r) {
                    int at = r.pick() % live.size();
                    Obj o = live.get(at);
                    if (o.cache() == null) {
                        long q = slab.krealloc(cpu, o.addr(), r.size(), Gfp.GFP_KERNEL, "prop");
                        assertThat(q).isNotZero();
                        assertThat(cpu.load32(q)).as("krealloc keeps the contents").isEqualTo(o.tag());
                        live.set(at, new Obj(q, o.tag(), r.size(), null));
                    }
                }
            } catch (KernelOopsException e) {
                assertThat(misuse).as("%s: an oops for a legitimate call: %s", op, e.getMessage()).isTrue();
            } catch (RuntimeException e) {
                throw new AssertionError(op + ": a raw " + e, e);
            }
            if (misuse) {
                assertThat(m.log().texts().size()).as("%s: the kernel reports the misuse", op).isGreaterThan(before);
            }
            Set<Long> seen = new HashSet<>();
            for (Obj o : live) {
                assertThat(seen.add(o.addr())).as("%s: an object handed out twice", op).isTrue();
                assertThat(cpu.load32(o.addr())).as("%s: a live object's contents", op).isEqualTo(o.tag());
            }
        }
        for (Obj o : live) {
            free(slab, cpu, o);
        }
        assertThat(slab.kmemCacheDestroy(cpu, a)).isTrue();
        assertThat(slab.kmemCacheDestroy(cpu, b)).isTrue();
        slab.shrinkAll(cpu);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("every page back").isEqualTo(free);
    }

    @Provide
    Arbitrary<String> policies() {
        return Arbitraries.of("slub", "slab", "slob");
    }

    private static void add(List<Obj> live, Cpu cpu, Obj o) {
        assertThat(o.addr()).as("allocation on a 1 GiB machine").isNotZero();
        cpu.store32(o.addr(), o.tag());
        live.add(o);
    }

    private static void free(SlabLayer slab, Cpu cpu, Obj o) {
        if (o.cache() == null) {
            slab.kfree(cpu, o.addr(), "prop");
        } else {
            slab.kmemCacheFree(cpu, o.cache(), o.addr(), "prop");
        }
    }
}
