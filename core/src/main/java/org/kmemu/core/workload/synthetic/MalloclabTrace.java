package org.kmemu.core.workload.synthetic;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.kmemu.api.ConfigView;

/**
 * A malloclab trace (CS:APP's malloc lab {@code .rep} files) read into arrays: optional header lines of
 * one whole number each (suggested heap size, number of ids, number of operations, weight), then one
 * operation a line: {@code a ID SIZE} (malloc), {@code f ID} (free), {@code r ID SIZE} (realloc,
 * replayed as a free of the id's block and a new allocation). Blank lines and {@code #} comments are
 * skipped. The file is checked as it is read: an {@code f} of an id that is not allocated, an
 * {@code a} of an id still allocated, a malformed line, or a header's operation count that the file
 * does not have is an error naming the file and line.
 *
 * <p>Immutable once read; shared by every run that replays it.
 */
final class MalloclabTrace {
    static final byte ALLOC = 0;
    static final byte FREE = 1;
    static final byte REALLOC = 2;

    final byte[] op;
    /** The operation's id, renumbered densely from 0 in order of first use. */
    final int[] id;
    final long[] size;
    final int ids;
    /** Calls a replay makes: one per a and f, two per r. */
    final long calls;

    private MalloclabTrace(byte[] op, int[] id, long[] size, int ids, long calls) {
        this.op = op;
        this.id = id;
        this.size = size;
        this.ids = ids;
        this.calls = calls;
    }

    /** @return the number of operations */
    int length() {
        return op.length;
    }

    /**
     * @param file     the trace
     * @param settings the settings that name it (key {@code malloclab}), for errors
     * @return the trace
     * @throws org.kmemu.api.ConfigException at the setting's file:line, naming the trace's file:line for a bad line
     */
    static MalloclabTrace read(Path file, ConfigView settings) {
        int count = 0;
        byte[] op = new byte[1024];
        int[] id = new int[1024];
        long[] size = new long[1024];
        Map<Long, Integer> dense = new HashMap<>();
        boolean[] allocated = new boolean[1024];
        long calls = 0;
        long headerOps = -1;
        int headerLine = 0;
        int headerNumbers = 0;
        try (DataLines lines = new DataLines(file)) {
            while (lines.next()) {
                int n = lines.number();
                String text = lines.text();
                String[] f = lines.fields();
                if (count == 0 && f.length == 1 && isNumber(f[0])) {
                    if (++headerNumbers == 3) { // suggested heap size, ids, operations, weight
                        headerOps = Long.parseLong(f[0]);
                        headerLine = n;
                    }
                    continue;
                }
                byte kind = switch (f[0]) {
                    case "a" -> ALLOC;
                    case "f" -> FREE;
                    case "r" -> REALLOC;
                    default -> throw bad(settings, file, n, "\"" + text + "\" (expected: a ID SIZE, f ID or r ID SIZE)");
                };
                int fields = kind == FREE ? 2 : 3;
                if (f.length != fields) {
                    throw bad(settings, file, n, "\"" + text + "\" (expected: " + (kind == FREE ? "f ID" : f[0] + " ID SIZE") + ")");
                }
                long rawId = number(f[1], settings, file, n, "id");
                long bytes = kind == FREE ? 0 : number(f[2], settings, file, n, "size");
                Integer d = dense.get(rawId);
                if (d == null) {
                    d = dense.size();
                    dense.put(rawId, d);
                    if (d == allocated.length) {
                        allocated = Arrays.copyOf(allocated, d * 2);
                    }
                }
                switch (kind) {
                    case ALLOC -> {
                        if (allocated[d]) {
                            throw bad(settings, file, n, "a " + rawId + ": id " + rawId + " is still allocated (expected: f " + rawId + " first)");
                        }
                        allocated[d] = true;
                        calls++;
                    }
                    case FREE -> {
                        if (!allocated[d]) {
                            throw bad(settings, file, n, "f " + rawId + ": id " + rawId + " is not allocated (expected: an id an earlier line allocated)");
                        }
                        allocated[d] = false;
                        calls++;
                    }
                    default -> {
                        allocated[d] = true; // realloc of a free id is malloc, as realloc(NULL, size)
                        calls += 2;
                    }
                }
                if (count == op.length) {
                    op = Arrays.copyOf(op, count * 2);
                    id = Arrays.copyOf(id, count * 2);
                    size = Arrays.copyOf(size, count * 2);
                }
                op[count] = kind;
                id[count] = d;
                size[count] = bytes;
                count++;
            }
        } catch (IOException e) {
            throw settings.error("malloclab", file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        if (headerOps >= 0 && headerOps != count) {
            throw bad(settings, file, headerLine, "the header gives " + headerOps + " operations, the file has " + count);
        }
        return new MalloclabTrace(Arrays.copyOf(op, count), Arrays.copyOf(id, count), Arrays.copyOf(size, count), dense.size(), calls);
    }

    private static boolean isNumber(String s) {
        return s.chars().allMatch(Character::isDigit);
    }

    private static long number(String s, ConfigView settings, Path file, int line, String what) {
        try {
            long v = Long.parseLong(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw bad(settings, file, line, what + " \"" + s + "\" (expected: a whole number, 0 or more)");
    }

    private static RuntimeException bad(ConfigView settings, Path file, int line, String problem) {
        return settings.error("malloclab", file + ":" + line + ": " + problem);
    }
}
