package org.kmemu.core.workload;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A kmem trace read once into arrays, one entry per event a replay acts on, so that replaying it
 * parses nothing: the operation, the CPU, the trace's pointer or pfn, the size or order, the gfp
 * flags, the call site (one String per distinct site) and the cache (an index into {@link #cacheNames}).
 * The events a replay does not act on are counted by name in {@link #skipped}.
 */
public final class CompiledKmemTrace {
    static final byte KMALLOC = 0;
    static final byte KFREE = 1;
    static final byte CACHE_ALLOC = 2;
    static final byte CACHE_FREE = 3;
    static final byte PAGE_ALLOC = 4;
    static final byte PAGE_FREE = 5;
    /** A traced allocation whose result was NULL (ptr or page 0). */
    static final byte FAILED_FLAG = 8;

    final int length;
    final byte[] op;
    final int[] cpu;
    final long[] ptr;
    final long[] size;
    final int[] gfp;
    final String[] site;
    final int[] cache;
    final int[] nameIndex;
    final List<String> names;
    final List<String> cacheNames;
    final int[] cacheSizes;
    final Map<String, Long> skipped;
    final long events;

    private CompiledKmemTrace(Builder b) {
        this.length = b.n;
        this.op = java.util.Arrays.copyOf(b.op, b.n);
        this.cpu = java.util.Arrays.copyOf(b.cpu, b.n);
        this.ptr = java.util.Arrays.copyOf(b.ptr, b.n);
        this.size = java.util.Arrays.copyOf(b.size, b.n);
        this.gfp = java.util.Arrays.copyOf(b.gfp, b.n);
        this.site = java.util.Arrays.copyOf(b.site, b.n);
        this.cache = java.util.Arrays.copyOf(b.cache, b.n);
        this.nameIndex = java.util.Arrays.copyOf(b.nameIndex, b.n);
        this.names = List.copyOf(b.names);
        this.cacheNames = List.copyOf(b.cacheNames);
        this.cacheSizes = b.cacheSizes.stream().mapToInt(Integer::intValue).toArray();
        this.skipped = Map.copyOf(b.skipped);
        this.events = b.events;
    }

    /** @return the events the trace held, acted on or not */
    public long events() {
        return events;
    }

    /** @return the events a replay acts on */
    public int length() {
        return length;
    }

    /**
     * Reads the events a replay in {@code mode} acts on.
     *
     * @param events the trace
     * @param mode   objects or pages
     * @return the compiled trace
     * @throws TraceFormatException for an event with a missing or malformed field, naming its line
     */
    public static CompiledKmemTrace compile(List<FtraceEvent> events, KmemTraceReplay.Mode mode) {
        Builder b = new Builder(events.size());
        for (FtraceEvent e : events) {
            b.add(e, mode);
        }
        return new CompiledKmemTrace(b);
    }

    private static final class Builder {
        int n;
        long events;
        byte[] op;
        int[] cpu;
        long[] ptr;
        long[] size;
        int[] gfp;
        String[] site;
        int[] cache;
        int[] nameIndex;
        final List<String> names = new ArrayList<>();
        final Map<String, Integer> nameIds = new HashMap<>();
        final List<String> cacheNames = new ArrayList<>();
        final List<Integer> cacheSizes = new ArrayList<>();
        final Map<String, Integer> cacheIds = new HashMap<>();
        final Map<String, Integer> gfps = new HashMap<>();
        final Map<String, String> sites = new HashMap<>();
        final Map<String, Long> skipped = new HashMap<>();

        Builder(int capacity) {
            op = new byte[capacity];
            cpu = new int[capacity];
            ptr = new long[capacity];
            size = new long[capacity];
            gfp = new int[capacity];
            site = new String[capacity];
            cache = new int[capacity];
            nameIndex = new int[capacity];
        }

        void add(FtraceEvent e, KmemTraceReplay.Mode mode) {
            events++;
            byte kind = kind(e.name(), mode);
            if (kind < 0) {
                skipped.merge(e.name(), 1L, Long::sum);
                return;
            }
            int i = n++;
            cpu[i] = e.cpu();
            nameIndex[i] = nameIds.computeIfAbsent(e.name(), k -> {
                names.add(k);
                return names.size() - 1;
            });
            switch (kind) {
                case KMALLOC -> {
                    ptr[i] = e.hex("ptr");
                    size[i] = e.decimal("bytes_req");
                    gfp[i] = gfp(e);
                    site[i] = site(e);
                }
                case KFREE -> {
                    ptr[i] = e.hex("ptr");
                    site[i] = site(e);
                }
                case CACHE_ALLOC -> {
                    ptr[i] = e.hex("ptr");
                    size[i] = e.decimal("bytes_req");
                    gfp[i] = gfp(e);
                    site[i] = site(e);
                    // Before 6.x a trace does not name the cache: one cache per object size.
                    String name = e.has("name") ? e.field("name") : "trace-" + size[i];
                    int objectSize = (int) size[i];
                    cache[i] = cacheIds.computeIfAbsent(name, k -> {
                        cacheNames.add(k);
                        cacheSizes.add(objectSize);
                        return cacheNames.size() - 1;
                    });
                }
                case CACHE_FREE -> {
                    ptr[i] = e.hex("ptr");
                    site[i] = site(e);
                }
                case PAGE_ALLOC -> {
                    ptr[i] = e.pfn();
                    size[i] = e.decimal("order");
                    gfp[i] = gfp(e);
                }
                case PAGE_FREE -> {
                    ptr[i] = e.pfn();
                    size[i] = e.decimal("order");
                }
                default -> throw new IllegalStateException("op " + kind);
            }
            // A NULL result: ptr 0 for objects; for pages a NULL page, as 6.x traces a failed __alloc_pages
            // (mm/page_alloc.c), while pfn 0 is a frame like any other.
            boolean failed = switch (kind) {
                case KMALLOC, CACHE_ALLOC -> ptr[i] == 0;
                case PAGE_ALLOC -> e.has("page") && e.hex("page") == 0;
                default -> false;
            };
            op[i] = (byte) (kind | (failed ? FAILED_FLAG : 0));
        }

        private int gfp(FtraceEvent e) {
            String text = e.field("gfp_flags");
            Integer g = gfps.get(text);
            if (g == null) {
                g = TraceGfp.parse(text, e.line());
                gfps.put(text, g);
            }
            return g;
        }

        private String site(FtraceEvent e) {
            String s = e.field("call_site");
            String canonical = sites.putIfAbsent(s, s);
            return canonical != null ? canonical : s;
        }

        private static byte kind(String name, KmemTraceReplay.Mode mode) {
            if (mode == KmemTraceReplay.Mode.OBJECTS) {
                return switch (name) {
                    case "kmalloc", "kmalloc_node" -> KMALLOC;
                    case "kfree" -> KFREE;
                    case "kmem_cache_alloc", "kmem_cache_alloc_node" -> CACHE_ALLOC;
                    case "kmem_cache_free" -> CACHE_FREE;
                    default -> -1;
                };
            }
            return switch (name) {
                case "mm_page_alloc" -> PAGE_ALLOC;
                case "mm_page_free", "mm_page_free_direct", "mm_page_free_batched" -> PAGE_FREE;
                default -> -1;
            };
        }
    }
}
