package org.kmemu.core.workload.synthetic;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/**
 * A size distribution read from a file of {@code "size count"} lines (whole numbers, size 1 or more,
 * count 0 or more; blank lines and {@code #} comments ignored; a size may appear on several lines, its
 * counts add up): each size is drawn in proportion to its count. Such a file is what
 * {@code perf kmem stat --caller} or a trace's kmalloc bytes_req give, counted.
 */
final class SizeHistogram implements Distribution {
    private final long[] sizes;
    /** cumulative[i]: the counts of sizes[0..i], so the last is the total. */
    private final long[] cumulative;
    private final String file;

    private SizeHistogram(long[] sizes, long[] cumulative, String file) {
        this.sizes = sizes;
        this.cumulative = cumulative;
        this.file = file;
    }

    /**
     * @param file  the histogram
     * @param block the settings that name it, for errors
     * @return the distribution
     * @throws ConfigException at the setting's file:line for a file that cannot be read, and naming the
     *         histogram's file:line for a bad line
     */
    static SizeHistogram read(Path file, ConfigView block) {
        java.util.TreeMap<Long, Long> counts = new java.util.TreeMap<>();
        try (DataLines lines = new DataLines(file)) {
            while (lines.next()) {
                int n = lines.number();
                String text = lines.text();
                String[] f = lines.fields();
                if (f.length != 2) {
                    throw block.error("file", file + ":" + n + ": \"" + text + "\" (expected: \"size count\", two whole numbers)");
                }
                long size = number(f[0], file, n, block, "size");
                long count = number(f[1], file, n, block, "count");
                if (size < 1) {
                    throw block.error("file", file + ":" + n + ": size " + size + " (expected: 1 or more)");
                }
                counts.merge(size, count, Math::addExact);
            }
        } catch (IOException e) {
            throw block.error("file", file + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            throw block.error("file", file + ": no sizes with a count above 0 (expected: lines \"size count\")");
        }
        counts.values().removeIf(c -> c == 0); // a size never drawn: kept out, so the search never lands on it
        long[] sizes = new long[counts.size()];
        long[] cumulative = new long[counts.size()];
        int i = 0;
        long sum = 0;
        for (var e : counts.entrySet()) {
            sizes[i] = e.getKey();
            sum += e.getValue();
            cumulative[i++] = sum;
        }
        return new SizeHistogram(sizes, cumulative, file.toString());
    }

    private static long number(String s, Path file, int line, ConfigView block, String what) {
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw block.error("file", file + ":" + line + ": " + what + " \"" + s + "\" (expected: a whole number, 0 or more)");
        }
    }

    @Override
    public long at(double u) {
        long total = cumulative[cumulative.length - 1];
        long k = Math.min(total - 1, (long) (u * total)); // the k-th of the total counted objects, from 0
        int i = Arrays.binarySearch(cumulative, k + 1);
        return sizes[i >= 0 ? i : -i - 1];
    }

    @Override
    public String describe() {
        return "histogram " + file + " (" + sizes.length + " sizes)";
    }
}
