package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelOopsException;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.api.SlabFlags;
import org.kmemu.api.ZoneType;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.kernel.SlabLayer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * Misuse of every kernel API by code running on the emulated machine ends as the kernel ends it: a
 * report in the kernel log in the kernel's words, and where the kernel stops the task, a
 * {@link KernelOopsException} that carries the report. Never a raw JDK exception. Every policy, through
 * the real plugin jars, on small machines with and without highmem. After the misuse the machine still
 * works: a normal workload runs and every page comes back.
 *
 * <p>Where the kernel is silent (kfree(NULL), vfree(NULL), kfree(ZERO_SIZE_PTR), kcalloc overflow) the
 * test requires silence; where a debug kernel reports and a production kernel would corrupt memory
 * (double free, interior pointers), kmemu reports as the debug kernel does (docs/architecture.md,
 * "Misuse and the kernel's reports").
 */
class KernelMisuseTest {

    /** Small machines: exhausting them is quick. i386 and e500 keep some highmem. */
    private static final Map<String, Map<String, String>> MACHINES = Map.of(
            "x86_64", Map.of("kmemu.memory.size", "256M"),
            "i386-highmem", Map.of("kmemu.memory.map", "[{start = 0, size = 0x9fc00, type = usable},"
                    + " {start = 0x100000, size = 0x3ff00000, type = usable}]"),
            "booke-e500", Map.of("kmemu.memory.size", "1G"));

    static Stream<Arguments> machines() {
        List<Arguments> out = new ArrayList<>();
        for (String config : new String[] {"x86_64", "i386-highmem", "booke-e500"}) {
            for (String policy : new String[] {"slub", "slab", "slob"}) {
                out.add(Arguments.of(config, policy));
            }
        }
        return out.stream();
    }

    private Machine m;
    private Kernel k;
    private SlabLayer slab;
    private Cpu cpu;
    private String policy;
    private long freeAtBoot;
    private long tablesAtBoot;

    private void boot(String config, String policy) {
        Map<String, String> overrides = new java.util.HashMap<>(MACHINES.get(config));
        overrides.put("kmemu.machine.object-allocator", policy);
        m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), overrides,
                Launcher.DIST.resolve("plugins"));
        k = m.kernel();
        slab = k.slab();
        cpu = m.mmu().cpu(0);
        this.policy = policy;
        m.pageAllocator().drainAllPages();
        freeAtBoot = m.nrFreePages();
        tablesAtBoot = m.mmu().kernelTables().tablePages();
    }

    // ---- the checker ----------------------------------------------------------------------------

    /** What one misuse left: the log lines it printed and the oops, if the kernel stopped there. */
    private record Outcome(String what, List<String> lines, KernelOopsException oops) {
    }

    private Outcome run(String what, Runnable op) {
        int before = m.log().texts().size();
        KernelOopsException oops = null;
        try {
            op.run();
        } catch (KernelOopsException e) {
            oops = e;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": a raw " + e + " where the kernel reports", e);
        }
        List<String> all = m.log().texts();
        List<String> lines = List.copyOf(all.subList(before, all.size()));
        if (oops != null) {
            assertThat(lines).as("%s: the oops report is in the kernel log", what).containsSubsequence(oops.report());
        }
        return new Outcome(what, lines, oops);
    }

    /** The kernel reports and carries on: a line matching {@code regex}, no oops. */
    private Outcome reports(String what, Runnable op, String regex) {
        Outcome o = run(what, op);
        assertThat(o.oops).as("%s: the kernel carries on after %s", what, o.lines).isNull();
        assertThat(o.lines).as("%s: the kernel's report", what).anyMatch(l -> l.matches("(?s).*(" + regex + ").*"));
        return o;
    }

    /** The kernel stops the task: an oops whose report has a line matching {@code regex}. */
    private void oopses(String what, Runnable op, String regex) {
        Outcome o = run(what, op);
        assertThat(o.oops).as("%s: the kernel stops here; it logged %s", what, o.lines).isNotNull();
        assertThat(o.oops.report()).as("%s: the oops report", what).anyMatch(l -> l.matches("(?s).*(" + regex + ").*"));
    }

    /** The kernel is silent. */
    private void silent(String what, Runnable op) {
        Outcome o = run(what, op);
        assertThat(o.oops).as(what).isNull();
        assertThat(o.lines).as("%s: the kernel says nothing", what).isEmpty();
    }

    /** @return the name of the 64-byte kmalloc cache: SLAB of 3.x named its caches size-N */
    private String kmalloc64() {
        return policy.equals("slab") ? "size-64" : "kmalloc-64";
    }

    /** The report each policy gives for a double free. */

    private String doubleFree(String cache) {
        return switch (policy) {
            case "slub" -> "BUG " + cache + " \\((Not tainted|Tainted: .*)\\): Object already free";
            case "slab" -> "slab error in verify_redzone_free\\(\\): cache `" + cache + "': double free detected";
            default -> "SLOB: .*double free";
        };
    }

    /**
     * A normal workload after the misuse: kmalloc/kfree of tagged objects, a kmem_cache, alloc_pages and
     * vmalloc; every tag must survive, and then every page the machine had free at boot is free again
     * (page tables vmalloc made are kept, as the kernel keeps them).
     */
    private void normalWorkloadGivesEveryPageBack() {
        Random rnd = new Random(42);
        List<long[]> live = new ArrayList<>();
        SlabCache c = slab.kmemCacheCreate("after-misuse", 72, 0, 0, null);
        for (int step = 0; step < 2000; step++) {
            int op = rnd.nextInt(10);
            if (live.isEmpty() || op < 5) {
                long p = op == 0 ? slab.kmemCacheAlloc(cpu, c, Gfp.GFP_KERNEL, "test")
                        : slab.kmalloc(cpu, 8 + rnd.nextInt(op == 1 ? 12000 : 600), Gfp.GFP_KERNEL, "test");
                assertThat(p).as("allocation after misuse").isNotZero();
                cpu.store32(p, step);
                for (long[] o : live) {
                    assertThat(o[0]).as("an object handed out twice").isNotEqualTo(p);
                }
                live.add(new long[] {p, step, op == 0 ? 1 : 0});
            } else {
                long[] o = live.remove(rnd.nextInt(live.size()));
                assertThat(cpu.load32(o[0])).as("the object's tag").isEqualTo((int) o[1]);
                if (o[2] == 1) {
                    slab.kmemCacheFree(cpu, c, o[0], "test");
                } else {
                    slab.kfree(cpu, o[0], "test");
                }
            }
        }
        for (long[] o : live) {
            if (o[2] == 1) {
                slab.kmemCacheFree(cpu, c, o[0], "test");
            } else {
                slab.kfree(cpu, o[0], "test");
            }
        }
        assertThat(slab.kmemCacheDestroy(cpu, c)).isTrue();
        long pfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 3);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
        k.pages().freePages(cpu, pfn, 3);
        long v = k.vmalloc().vmalloc(cpu, 5 << 12, "test");
        assertThat(v).isNotZero();
        cpu.store64(v + 8192, 7);
        k.vmalloc().vfree(cpu, v);
        k.vmalloc().purgeVmapAreaLazy(cpu);
        slab.shrinkAll(cpu);
        m.pageAllocator().drainAllPages();
        long newTables = m.mmu().kernelTables().tablePages() - tablesAtBoot;
        assertThat(m.nrFreePages() + newTables).as("every page back after the misuse and a normal workload")
                .isEqualTo(freeAtBoot);
        assertThat(m.log().texts()).as("no raw Java exception text in the kernel log")
                .noneMatch(l -> l.contains("Exception"));
    }

    // ---- kmalloc, kfree, ksize, krealloc ----------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void kmallocFamily(String config, String policy) {
        boot(config, policy);
        long userAddr = 0x0804_8000L;
        long vm = k.vmalloc().vmalloc(cpu, 8192, "test");

        silent("kfree(NULL)", () -> slab.kfree(cpu, 0, "test"));
        silent("kfree(ZERO_SIZE_PTR)", () -> slab.kfree(cpu, SlabLayer.ZERO_SIZE_PTR, "test"));
        silent("kfree(1): ZERO_OR_NULL_PTR is everything up to 16", () -> slab.kfree(cpu, 1, "test"));
        silent("ksize(NULL)", () -> assertThat(slab.ksize(0)).isZero());
        silent("ksize(ZERO_SIZE_PTR)", () -> assertThat(slab.ksize(SlabLayer.ZERO_SIZE_PTR)).isZero());
        silent("kcalloc overflow", () -> assertThat(slab.kcalloc(cpu, Long.MAX_VALUE / 2, 16, Gfp.GFP_KERNEL, "t")).isZero());
        silent("krealloc(NULL, 0)", () -> assertThat(slab.krealloc(cpu, 0, 0, Gfp.GFP_KERNEL, "t"))
                .isEqualTo(SlabLayer.ZERO_SIZE_PTR));

        // virt_to_folio() of an address outside the direct map: CONFIG_DEBUG_VIRTUAL's BUG in __pa.
        for (long bad : new long[] {userAddr, vm, 0x1000}) {
            String a = Long.toHexString(bad);
            oopses("kfree(0x" + a + ")", () -> slab.kfree(cpu, bad, "test"), "kernel BUG at");
            oopses("ksize(0x" + a + ")", () -> slab.ksize(bad), "kernel BUG at");
            oopses("krealloc(0x" + a + ")", () -> slab.krealloc(cpu, bad, 100, Gfp.GFP_KERNEL, "test"), "kernel BUG at");
        }

        if (m.totalHighPages() > 0) {
            long high = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
            long kmapped = k.highmem().kmap(cpu, high);
            oopses("kfree of a kmap (pkmap) address", () -> slab.kfree(cpu, kmapped, "test"), "kernel BUG at");
            oopses("ksize of a kmap (pkmap) address", () -> slab.ksize(kmapped), "kernel BUG at");
            k.highmem().kunmap(cpu, high);
            k.pages().freePages(cpu, high, 0);
        }

        reports("kmalloc beyond KMALLOC_MAX_SIZE", () -> assertThat(slab.kmalloc(cpu, 1L << 40, Gfp.GFP_KERNEL, "t")).isZero(),
                "WARNING: .*mm/page_alloc.c");
        reports("kzalloc beyond KMALLOC_MAX_SIZE", () -> assertThat(slab.kzalloc(cpu, 1L << 40, Gfp.GFP_KERNEL, "t")).isZero(),
                "WARNING: .*mm/page_alloc.c");
        reports("kmalloc of a negative (huge) size", () -> assertThat(slab.kmalloc(cpu, -5, Gfp.GFP_KERNEL, "t")).isZero(),
                "WARNING: .*mm/page_alloc.c");

        long p = slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL, "test");
        long q = slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL, "test");
        cpu.store64(q, 0x1234);
        String interior = switch (policy) {
            case "slub" -> "Invalid object pointer 0x";
            case "slab" -> "kernel BUG at mm/slab.c";
            default -> "SLOB: .*(invalid pointer|no object)";
        };
        if (policy.equals("slab")) {
            oopses("kfree of an interior pointer", () -> slab.kfree(cpu, p + 8, "test"), interior);
            oopses("kfree of a misaligned pointer", () -> slab.kfree(cpu, p + 1, "test"), interior);
        } else {
            reports("kfree of an interior pointer", () -> slab.kfree(cpu, p + 8, "test"), interior);
            reports("kfree of a misaligned pointer", () -> slab.kfree(cpu, p + 1, "test"), interior);
        }
        slab.kfree(cpu, p, "test");
        reports("double kfree", () -> slab.kfree(cpu, p, "test"), doubleFree(kmalloc64()));
        // ksize of a freed object: the kernel does not know it is free (no KASAN): the cache's size, or 0
        // with __ksize's WARN once the page left the slab allocator; never a BUG, in every policy.
        long[] sizes = new long[1];
        silent("ksize of a freed object whose slab is still there", () -> sizes[0] = slab.ksize(p));
        if (policy.equals("slob")) {
            // SLOB's __ksize reads the size from the block's header (mm/slob.c, up to 6.3), which
            // slob_free has rewritten as a free-list entry: the kernel returns a stale number, and so
            // does kmemu, which keeps that header in RAM as the kernel does.
            assertThat(sizes[0]).as("a number read from the freed block's header").isNotNegative();
        } else {
            assertThat(sizes[0]).as("the same size as a live object of its cache").isEqualTo(slab.ksize(q));
        }
        Runnable kreallocFreed = () -> {
            long r = slab.krealloc(cpu, p, 4000, Gfp.GFP_KERNEL, "test");
            if (r != 0 && r != p) {
                slab.kfree(cpu, r, "test");
            }
        };
        if (policy.equals("slob")) {
            // __do_krealloc trusts ksize: SLOB's stale header (above) may say the freed block is big
            // enough, and then the kernel hands the freed pointer back without a word, as kmemu does.
            assertThat(run("krealloc of a freed object", kreallocFreed).oops).isNull();
        } else {
            reports("krealloc of a freed object", kreallocFreed, doubleFree(kmalloc64()) + "|Not a kmalloc allocation|not a Slab page");
        }
        assertThat(cpu.load64(q)).as("a neighbour survives the misuse").isEqualTo(0x1234);
        slab.kfree(cpu, q, "test");

        // The end of a slab past its last object (kmalloc-192: 21 objects and 64 bytes over in a page for
        // SLUB; the other policies lay it out their own way): a report or a BUG, and the neighbour lives.
        long r = slab.kmalloc(cpu, 192, Gfp.GFP_KERNEL, "test");
        cpu.store64(r, 0x192);
        long tail = (r & -(1L << m.pageShift())) + 21 * 192;
        Outcome tailFree = run("kfree past the last object of a slab", () -> slab.kfree(cpu, tail, "test"));
        assertThat(tailFree.lines).as("kfree past the last object: reported").isNotEmpty();
        if (policy.equals("slub")) {
            assertThat(tailFree.lines).anyMatch(l -> l.contains("Invalid object pointer 0x" + Long.toHexString(tail)));
        }
        assertThat(cpu.load64(r)).isEqualTo(0x192);
        slab.kfree(cpu, r, "test");
        Outcome highmemGfp = run("kmalloc with __GFP_HIGHMEM", () -> slab.kfree(cpu,
                slab.kmalloc(cpu, 64, Gfp.GFP_KERNEL | Gfp.__GFP_HIGHMEM, "test"), "test"));
        assertThat(highmemGfp.oops).isNull();

        long big = slab.kmalloc(cpu, 20000, Gfp.GFP_KERNEL, "test");
        if (policy.equals("slab")) {
            // SLAB of 3.x has no kmalloc_large: 20000 bytes is an object of size-32768, so a pointer
            // inside it is cache_free_debugcheck's BUG_ON and ksize is the cache's object size (mm/slab.c).
            oopses("kfree inside a size-32768 object", () -> slab.kfree(cpu, big + 4096, "test"), "kernel BUG at mm/slab.c");
            oopses("kfree of a misaligned size-32768 object", () -> slab.kfree(cpu, big + 8, "test"), "kernel BUG at mm/slab.c");
            cpu.store64(big + 16384, 77);
            silent("ksize inside a size-32768 object", () -> assertThat(slab.ksize(big + 4096)).isEqualTo(32768));
            assertThat(cpu.load64(big + 16384)).as("the object survived the bad frees").isEqualTo(77);
            slab.kfree(cpu, big, "test");
            reports("double kfree of a size-32768 object", () -> slab.kfree(cpu, big, "test"), doubleFree("size-32768"));
        } else {
            // The kernel frees the whole folio; KASAN reports the pointer and keeps the allocation, as kmemu does.
            reports("kfree inside a large kmalloc", () -> slab.kfree(cpu, big + 4096, "test"), "BUG: KASAN: invalid-free in kfree");
            reports("kfree of a misaligned large kmalloc", () -> slab.kfree(cpu, big + 8, "test"), "BUG: KASAN: invalid-free in kfree");
            cpu.store64(big + 16384, 77);
            reports("ksize inside a large kmalloc", () -> assertThat(slab.ksize(big + 4096)).isZero(), "WARNING: ");
            assertThat(cpu.load64(big + 16384)).as("the large kmalloc survived the bad frees").isEqualTo(77);
            slab.kfree(cpu, big, "test");
            reports("double kfree of a large kmalloc", () -> slab.kfree(cpu, big, "test"), "Not a kmalloc allocation");
        }

        long pfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        long page = k.pages().pageAddress(pfn);
        reports("kfree of an alloc_pages page", () -> slab.kfree(cpu, page, "test"), "Not a kmalloc allocation");
        reports("ksize of an alloc_pages page", () -> assertThat(slab.ksize(page)).isZero(), "WARNING: ");
        k.pages().freePages(cpu, pfn, 0);

        k.vmalloc().vfree(cpu, vm);
        normalWorkloadGivesEveryPageBack();
    }

    // ---- kmem_cache_* ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void kmemCaches(String config, String policy) {
        boot(config, policy);
        reports("kmem_cache_create with no name", () -> assertThat(slab.kmemCacheCreate("", 32, 0, 0, null)).isNull(),
                "kmem_cache_create.*failed with error -22");
        reports("kmem_cache_create of size 0", () -> assertThat(slab.kmemCacheCreate("zero", 0, 0, 0, null)).isNull(),
                "kmem_cache_create.*failed with error -22");
        reports("kmem_cache_create with align 3", () -> assertThat(slab.kmemCacheCreate("align3", 32, 3, 0, null)).isNull(),
                "kmem_cache_create.*failed with error -22");
        reports("kmem_cache_create of a size no slab holds",
                () -> assertThat(slab.kmemCacheCreate("huge", 1 << 30, 0, 0, null)).isNull(),
                "kmem_cache_create.*failed with error");
        oopses("kmem_cache_alloc(NULL)", () -> slab.kmemCacheAlloc(cpu, null, Gfp.GFP_KERNEL, "test"),
                "BUG: kernel NULL pointer dereference");

        SlabCache a = slab.kmemCacheCreate("misuse-a", 40, 0, 0, null);
        SlabCache b = slab.kmemCacheCreate("misuse-b", 40, 0, 0, null);
        long x = slab.kmemCacheAlloc(cpu, b, Gfp.GFP_KERNEL, "test");
        long y = slab.kmemCacheAlloc(cpu, b, Gfp.GFP_KERNEL, "test");
        cpu.store64(y, 0x5678);
        reports("kmem_cache_free to the wrong cache", () -> slab.kmemCacheFree(cpu, a, x, "test"),
                "cache_from_obj: Wrong slab cache. misuse-a but object is from misuse-b");
        reports("the object went back to its own cache", () -> slab.kmemCacheFree(cpu, b, x, "test"), doubleFree("misuse-b"));
        oopses("kmem_cache_free of a vmalloc address", () -> {
            long vm = k.vmalloc().vmalloc(cpu, 4096, "test");
            try {
                slab.kmemCacheFree(cpu, b, vm, "test");
            } finally {
                k.vmalloc().vfree(cpu, vm);
            }
        }, "kernel BUG at");
        oopses("kmem_cache_free(cache, NULL)", () -> slab.kmemCacheFree(cpu, b, 0, "test"), "kernel BUG at");
        String interior = switch (policy) {
            case "slub" -> "Invalid object pointer 0x";
            case "slab" -> "kernel BUG at mm/slab.c";
            default -> "SLOB: .*(invalid pointer|no object)";
        };
        if (policy.equals("slab")) {
            oopses("kmem_cache_free of an interior pointer", () -> slab.kmemCacheFree(cpu, b, y + 8, "test"), interior);
        } else {
            reports("kmem_cache_free of an interior pointer", () -> slab.kmemCacheFree(cpu, b, y + 8, "test"), interior);
        }
        long pfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        reports("kmem_cache_free of a page that is no slab",
                () -> slab.kmemCacheFree(cpu, b, k.pages().pageAddress(pfn), "test"), "Object is not a Slab page");
        k.pages().freePages(cpu, pfn, 0);

        reports("kmem_cache_destroy with objects in use", () -> assertThat(slab.kmemCacheDestroy(cpu, b)).isFalse(),
                "kmem_cache_destroy misuse-b: Slab cache still has objects");
        assertThat(cpu.load64(y)).as("objects of a cache that could not be destroyed stay").isEqualTo(0x5678);
        slab.kmemCacheFree(cpu, b, y, "test");
        assertThat(slab.kmemCacheDestroy(cpu, b)).as("destroy once empty").isTrue();
        oopses("kmem_cache_alloc of a destroyed cache", () -> slab.kmemCacheAlloc(cpu, b, Gfp.GFP_KERNEL, "test"),
                "misuse-b");
        oopses("kmem_cache_destroy twice", () -> slab.kmemCacheDestroy(cpu, b), "misuse-b");
        oopses("kmem_cache_shrink of a destroyed cache", () -> slab.kmemCacheShrink(cpu, b), "misuse-b");
        assertThat(slab.kmemCacheDestroy(cpu, a)).isTrue();
        normalWorkloadGivesEveryPageBack();
    }

    // ---- the page allocator ---------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void pages(String config, String policy) {
        boot(config, policy);
        int maxOrder = m.pageAllocator().maxOrder();
        reports("alloc_pages above MAX_PAGE_ORDER",
                () -> assertThat(k.pages().allocPages(cpu, Gfp.GFP_KERNEL, maxOrder + 1)).isEqualTo(PageAllocator.NO_PFN),
                "WARNING: .*mm/page_alloc.c");
        reports("__get_free_pages above MAX_PAGE_ORDER",
                () -> assertThat(k.pages().getFreePages(cpu, Gfp.GFP_KERNEL, maxOrder + 1)).isZero(),
                "WARNING: .*mm/page_alloc.c");
        oopses("alloc_pages(GFP_DMA | __GFP_HIGHMEM)",
                () -> k.pages().allocPages(cpu, Gfp.__GFP_DMA | Gfp.__GFP_HIGHMEM | Gfp.GFP_KERNEL, 0), "kernel BUG at");
        oopses("__get_free_pages(__GFP_HIGHMEM)", () -> k.pages().getFreePages(cpu, Gfp.GFP_HIGHUSER, 0), "kernel BUG at");

        long pfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 2);
        reports("__free_pages with the wrong order", () -> k.pages().freePages(cpu, pfn, 1), "BUG: Bad page state in process");
        reports("__free_pages above MAX_PAGE_ORDER", () -> k.pages().freePages(cpu, pfn, maxOrder + 1),
                "BUG: Bad page state in process");
        k.pages().freePages(cpu, pfn, 2);
        reports("__free_pages twice", () -> k.pages().freePages(cpu, pfn, 2), "BUG: Bad page state in process");
        reports("__free_pages of a pfn beyond RAM", () -> k.pages().freePages(cpu, 1L << 30, 0), "BUG: Bad page state");
        oopses("__free_pages of a failed alloc_pages (NULL page)", () -> k.pages().freePages(cpu, PageAllocator.NO_PFN, 0),
                "BUG: kernel NULL pointer dereference");
        long kernelText = m.kernelImage().textStart() >>> m.pageShift();
        reports("__free_pages of a reserved page", () -> k.pages().freePages(cpu, kernelText, 0),
                "BUG: Bad page state in process");

        silent("free_pages(0)", () -> k.pages().freePagesVirt(cpu, 0, 0));
        long vm = k.vmalloc().vmalloc(cpu, 4096, "test");
        oopses("free_pages of a vmalloc address", () -> k.pages().freePagesVirt(cpu, vm, 0),
                "VM_BUG_ON\\(!virt_addr_valid");
        oopses("free_pages of a user address", () -> k.pages().freePagesVirt(cpu, 0x0804_8000L, 0),
                "VM_BUG_ON\\(!virt_addr_valid");
        k.vmalloc().vfree(cpu, vm);
        long addr = k.pages().getFreePages(cpu, Gfp.GFP_KERNEL, 1);
        k.pages().freePagesVirt(cpu, addr, 1);
        reports("free_pages twice", () -> k.pages().freePagesVirt(cpu, addr, 1), "BUG: Bad page state in process");

        long held = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        k.pages().getPage(cpu, held);
        silent("__free_pages of a page someone still holds", () -> k.pages().freePages(cpu, held, 0));
        silent("put_page of the last reference", () -> k.pages().putPage(cpu, held));
        oopses("put_page of a free page", () -> k.pages().putPage(cpu, held), "VM_BUG_ON_PAGE\\(page_ref_count\\(page\\) == 0\\)");
        oopses("get_page of a free page", () -> k.pages().getPage(cpu, held), "VM_BUG_ON_FOLIO");
        oopses("unpin_user_page of a page never pinned", () -> k.pages().unpinUserPage(cpu, held), "VM_BUG_ON");
        long mapped = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        k.pages().pageAddMapcount(mapped, 1);
        reports("__free_pages of a page still mapped", () -> k.pages().freePages(cpu, mapped, 0),
                "page dumped because: nonzero mapcount");
        // The kernel leaks it; here its owner unmaps it and the allocator takes the block it still holds.
        k.pages().pageAddMapcount(mapped, -1);
        k.pages().freePages(cpu, mapped, 0);
        normalWorkloadGivesEveryPageBack();
    }

    // ---- vmalloc, vmap ----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void vmallocAndVmap(String config, String policy) {
        boot(config, policy);
        silent("vfree(NULL)", () -> k.vmalloc().vfree(cpu, 0));
        silent("vunmap(NULL)", () -> k.vmalloc().vunmap(cpu, 0));
        long v = k.vmalloc().vmalloc(cpu, 3 << 12, "test");
        long p = slab.kmalloc(cpu, 100, Gfp.GFP_KERNEL, "test");
        reports("vfree of a kmalloc address", () -> k.vmalloc().vfree(cpu, p), "Trying to vfree\\(\\) nonexistent vm area");
        reports("vfree of a misaligned address", () -> k.vmalloc().vfree(cpu, v + 8), "Trying to vfree\\(\\) bad address");
        reports("vfree of a user address", () -> k.vmalloc().vfree(cpu, 0x0804_8000L), "Trying to vfree\\(\\) nonexistent vm area");
        reports("vunmap of an address that is no area", () -> k.vmalloc().vunmap(cpu, k.vmalloc().vmallocEnd() - (64 << 12)),
                "Trying to vunmap\\(\\) nonexistent vm area");
        k.vmalloc().vfree(cpu, v);
        reports("vfree twice", () -> k.vmalloc().vfree(cpu, v), "Trying to vfree\\(\\) nonexistent vm area");
        reports("vmalloc(0)", () -> assertThat(k.vmalloc().vmalloc(cpu, 0, "test")).isZero(), "vmalloc");
        oopses("__vmalloc naming two zones", () -> k.vmalloc().vmallocGfp(cpu, 4096, Gfp.GFP_KERNEL | Gfp.__GFP_DMA | Gfp.__GFP_DMA32,
                "test"), "kernel BUG at include/linux/gfp.h");
        reports("vmalloc beyond RAM", () -> assertThat(k.vmalloc().vmalloc(cpu, 1L << 40, "test")).isZero(),
                "vmalloc error: size 1099511627776, exceeds total pages");
        reports("vmap of a pfn that is no RAM",
                () -> assertThat(k.vmalloc().vmap(cpu, new long[] {1L << 30}, 1, "test")).isZero(), "WARNING: ");
        slab.kfree(cpu, p, "test");
        normalWorkloadGivesEveryPageBack();
    }

    // ---- kmap, kmap_local, kmap_atomic ------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void kmap(String config, String policy) {
        boot(config, policy);
        long pfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        boolean highmem = m.totalHighPages() > 0;
        if (highmem) {
            assertThat(m.pageFrames().pfnValid(pfn)).isTrue();
            oopses("kunmap of a page never kmapped", () -> k.highmem().kunmap(cpu, pfn), "kernel BUG at mm/highmem.c");
            k.highmem().kmap(cpu, pfn);
            k.highmem().kunmap(cpu, pfn);
            oopses("kunmap twice", () -> k.highmem().kunmap(cpu, pfn), "kernel BUG at mm/highmem.c");
            long local = k.highmem().kmapLocal(cpu, pfn);
            k.highmem().kunmapLocal(cpu, local);
            oopses("kunmap_local with no slot in use", () -> k.highmem().kunmapLocal(cpu, local), "kernel BUG at mm/highmem.c");
            long l1 = k.highmem().kmapLocal(cpu, pfn);
            long l2 = k.highmem().kmapLocal(cpu, pfn);
            reports("kunmap_local out of order", () -> k.highmem().kunmapLocal(cpu, l1), "WARNING: .*mm/highmem.c");
            k.highmem().kunmapLocal(cpu, l1);
            assertThat(k.highmem().kmapLocalDepth(cpu)).isZero();
            assertThat(l2).isNotZero();
            oopses("kmap_local nested too deep", () -> {
                for (int i = 0; i < 1000; i++) {
                    k.highmem().kmapLocal(cpu, pfn);
                }
            }, "kernel BUG at mm/highmem.c");
            while (k.highmem().kmapLocalDepth(cpu) > 0) {
                k.highmem().kunmapLocal(cpu, m.layout().fixaddrTop()
                        - ((long) (m.layout().fixKmapBegin() + k.highmem().kmapLocalDepth(cpu) - 1) << m.pageShift()));
            }
        }
        oopses("kmap of a failed alloc_pages (NULL page)", () -> k.highmem().kmap(cpu, PageAllocator.NO_PFN),
                "BUG: unable to handle page fault");
        oopses("kmap_local of a pfn beyond RAM", () -> k.highmem().kmapLocal(cpu, 1L << 30), "BUG: unable to handle page fault");
        oopses("kmap_atomic of a pfn beyond RAM", () -> k.highmem().kmapAtomic(cpu, 1L << 30), "BUG: unable to handle page fault");
        assertThat(cpu.inAtomicContext()).as("the oops left the CPU as it was").isFalse();
        long atomic = k.highmem().kmapAtomic(cpu, pfn);
        if (highmem) {
            reports("kmap in atomic context", () -> {
                k.highmem().kmap(cpu, pfn);
                k.highmem().kunmap(cpu, pfn);
            }, "BUG: sleeping function called from invalid context");
        }
        k.highmem().kunmapAtomic(cpu, atomic);
        assertThat(cpu.inAtomicContext()).isFalse();
        long lowPfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        long lowAtomic = k.highmem().kmapAtomic(cpu, lowPfn);
        k.highmem().kunmapAtomic(cpu, lowAtomic);
        reports("kunmap_atomic twice", () -> k.highmem().kunmapAtomic(cpu, lowAtomic), "DEBUG_LOCKS_WARN_ON|kernel BUG at");
        assertThat(cpu.inAtomicContext()).isFalse();
        assertThat(cpu.pagefaultDisabled()).isZero();
        oopses("virt_to_page of a vmalloc address", () -> k.addresses().virtToPage(m.layout().vmallocStart()), "virt_to_page");
        oopses("pfn_to_page of a pfn beyond RAM", () -> k.addresses().pfnToPage(1L << 30), "pfn_valid");
        k.pages().freePages(cpu, lowPfn, 0);
        k.pages().freePages(cpu, pfn, 0);
        normalWorkloadGivesEveryPageBack();
    }

    // ---- exhausted memory -----------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void exhaustedMemory(String config, String policy) {
        boot(config, policy);
        long highPfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        long lowPfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        long keep = slab.kmalloc(cpu, 200, Gfp.GFP_KERNEL, "test");
        cpu.store64(keep, 0xabcdL);
        SlabCache c = slab.kmemCacheCreate("exhaust", 100, 0, SlabFlags.SLAB_HWCACHE_ALIGN, null);
        List<long[]> held = new ArrayList<>();
        int[] gfps = m.hasZone(ZoneType.DMA)
                ? new int[] {Gfp.GFP_HIGHUSER, Gfp.GFP_KERNEL, Gfp.GFP_DMA | Gfp.GFP_KERNEL, Gfp.GFP_ATOMIC}
                : new int[] {Gfp.GFP_HIGHUSER, Gfp.GFP_KERNEL, Gfp.GFP_ATOMIC};
        for (int gfp : gfps) {
            for (int order = m.pageAllocator().maxOrder(); order >= 0; order--) {
                long pfn;
                while ((pfn = k.pages().allocPages(cpu, gfp | Gfp.__GFP_NOWARN, order)) != PageAllocator.NO_PFN) {
                    held.add(new long[] {pfn, order});
                }
            }
        }
        reports("alloc_pages with no memory left",
                () -> assertThat(k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0)).isEqualTo(PageAllocator.NO_PFN),
                "page allocation failure: order:0");
        reports("__get_free_pages with no memory left",
                () -> assertThat(k.pages().getFreePages(cpu, Gfp.GFP_KERNEL, 1)).isZero(), "page allocation failure: order:1");
        List<Long> objects = new ArrayList<>();
        List<Long> cacheObjects = new ArrayList<>();
        reports("kmalloc until memory runs out", () -> {
            long p;
            while ((p = slab.kmalloc(cpu, 32, Gfp.GFP_KERNEL, "test")) != 0) {
                objects.add(p);
            }
        }, "page allocation failure|Unable to allocate memory");
        reports("kmem_cache_alloc with no memory left", () -> {
            long p;
            while ((p = slab.kmemCacheAlloc(cpu, c, Gfp.GFP_KERNEL, "test")) != 0) {
                cacheObjects.add(p);
            }
        }, "page allocation failure|Unable to allocate memory");
        reports("large kmalloc with no memory left",
                () -> assertThat(slab.kmalloc(cpu, 40000, Gfp.GFP_KERNEL, "test")).isZero(), "page allocation failure");
        reports("kzalloc with no memory left",
                () -> assertThat(slab.kzalloc(cpu, 40000, Gfp.GFP_KERNEL, "test")).isZero(), "page allocation failure");
        reports("vunmap of a misaligned address", () -> k.vmalloc().vunmap(cpu, k.vmalloc().vmallocStart() + 8),
                "Trying to vfree\\(\\) bad address");
        reports("krealloc with no memory left", () -> assertThat(slab.krealloc(cpu, keep, 50000, Gfp.GFP_KERNEL, "t")).isZero(),
                "page allocation failure");
        assertThat(cpu.load64(keep)).as("krealloc's failure leaves the object").isEqualTo(0xabcdL);
        silent("kcalloc with __GFP_NOWARN", () -> assertThat(slab.kcalloc(cpu, 10, 4000, Gfp.GFP_KERNEL | Gfp.__GFP_NOWARN, "t"))
                .isZero());
        reports("vmalloc with no memory left", () -> assertThat(k.vmalloc().vmalloc(cpu, 64 << 12, "test")).isZero(),
                "vmalloc error: size");
        // vmap needs no pages but may need page tables, which need pages (pte_alloc: -ENOMEM, NULL).
        Outcome vmap = run("vmap with no memory for page tables", () -> {
            long v = k.vmalloc().vmap(cpu, new long[] {lowPfn, lowPfn}, 2, "test");
            if (v != 0) {
                cpu.store64(v + 4096, 9);
                assertThat(cpu.load64(v)).isEqualTo(9);
                k.vmalloc().vunmap(cpu, v);
            }
        });
        assertThat(vmap.oops).isNull();
        Outcome kmapped = run("kmap with no memory left", () -> {
            long v = k.highmem().kmap(cpu, highPfn);
            cpu.store64(v, 11);
            long l = k.highmem().kmapLocal(cpu, highPfn);
            assertThat(cpu.load64(l)).isEqualTo(11);
            k.highmem().kunmapLocal(cpu, l);
            k.highmem().kunmap(cpu, highPfn);
        });
        assertThat(kmapped.oops).as("kmap needs no memory: its tables exist from boot").isNull();

        for (long[] h : held) {
            k.pages().freePages(cpu, h[0], (int) h[1]);
        }
        for (long o : objects) {
            slab.kfree(cpu, o, "test");
        }
        for (long o : cacheObjects) {
            slab.kmemCacheFree(cpu, c, o, "test");
        }
        assertThat(slab.kmemCacheDestroy(cpu, c)).isTrue();
        slab.kfree(cpu, keep, "test");
        k.pages().freePages(cpu, highPfn, 0);
        k.pages().freePages(cpu, lowPfn, 0);
        normalWorkloadGivesEveryPageBack();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void pageTablesRunningOutAreNullNotAnException(String config, String policy) {
        boot(config, policy);
        List<long[]> held = new ArrayList<>();
        long lowPfn = k.pages().allocPages(cpu, Gfp.GFP_KERNEL, 0);
        for (int order = m.pageAllocator().maxOrder(); order >= 0; order--) {
            long pfn;
            while ((pfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER | Gfp.__GFP_HIGH | Gfp.__GFP_NOWARN, order))
                    != PageAllocator.NO_PFN) {
                held.add(new long[] {pfn, order});
            }
        }
        // vmap through the window: a new table it needs must come from nowhere (pte_alloc: NULL).
        List<Long> maps = new ArrayList<>();
        Outcome o = run("vmap until page tables run out", () -> {
            for (int i = 0; i < 1 << 16; i++) {
                long v = k.vmalloc().vmap(cpu, new long[] {lowPfn}, 1, "test");
                if (v == 0) {
                    return;
                }
                maps.add(v);
            }
        });
        assertThat(o.oops).isNull();
        assertThat(maps.size()).as("vmap stopped when no page was left for a page table").isLessThan(1 << 16);
        // x86_64 makes vmalloc's tables on demand, so they run out first; the 32-bit machines made theirs
        // at boot and run out of window instead.
        assertThat(o.lines).as("why vmap stopped").anyMatch(l -> l.contains("page allocation failure: order:0")
                || !config.equals("x86_64") && l.startsWith("vmap allocation for size"));
        if (!maps.isEmpty()) {
            cpu.store64(maps.get(maps.size() - 1), 3);
            assertThat(cpu.load64(maps.get(0))).as("every vmap that succeeded maps the page").isEqualTo(3);
        }
        for (long v : maps) {
            k.vmalloc().vunmap(cpu, v);
        }
        for (long[] h : held) {
            k.pages().freePages(cpu, h[0], (int) h[1]);
        }
        k.pages().freePages(cpu, lowPfn, 0);
        normalWorkloadGivesEveryPageBack();
    }
}
