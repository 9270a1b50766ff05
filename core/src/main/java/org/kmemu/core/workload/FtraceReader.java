package org.kmemu.core.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads ftrace's text output (the {@code trace} file, or {@code trace-cmd report} of the same events):
 * comment lines ({@code #}) are skipped, each event line is split into its header and its key=value
 * fields. Fields are read by name, not by column, because kernels add fields over the years
 * ({@code accounted=}, {@code node=}, {@code name=}). A line that is not an event (a "CPU 0 buffer
 * started" marker, a lost-events note) is counted, not fatal.
 */
public final class FtraceReader {
    private final List<FtraceEvent> events = new ArrayList<>();
    private int otherLines;

    private FtraceReader() {
    }

    /**
     * @param file a trace, plain or gzip-compressed (by its {@code .gz} name)
     * @return the events read
     * @throws IOException if the file cannot be read
     */
    public static FtraceReader read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
            return read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        }
    }

    /**
     * @param in the trace's text
     * @return the events read
     * @throws IOException if reading fails
     */
    public static FtraceReader read(BufferedReader in) throws IOException {
        FtraceReader r = new FtraceReader();
        int n = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            n++;
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            FtraceEvent e = parse(n, line);
            if (e == null) {
                r.otherLines++;
            } else {
                r.events.add(e);
            }
        }
        return r;
    }

    /** @return the events, in the file's order */
    public List<FtraceEvent> events() {
        return Collections.unmodifiableList(events);
    }

    /** @return lines that were neither comments nor events */
    public int otherLines() {
        return otherLines;
    }

    /**
     * Splits {@code "    init-1     [000] .N..     0.170000: kmalloc: call_site=c104de4f ptr=..."}.
     * The comm may hold spaces and dashes, so the header is read from its right end: the last
     * {@code -PID} before {@code [CPU]}.
     *
     * @return the event, or null if the line is not one
     */
    static FtraceEvent parse(int lineNo, String line) {
        int open = line.indexOf('[');
        int close = open < 0 ? -1 : line.indexOf(']', open);
        if (close < 0) {
            return null;
        }
        String task = line.substring(0, open).strip();
        int dash = task.lastIndexOf('-');
        int tsEnd = line.indexOf(": ", close);
        if (dash < 0 || tsEnd < 0) {
            return null;
        }
        int nameEnd = line.indexOf(": ", tsEnd + 2);
        int nameEndAlt = line.indexOf(':', tsEnd + 2);
        if (nameEnd < 0 && nameEndAlt == line.length() - 1) {
            nameEnd = nameEndAlt; // an event with no fields
        }
        if (nameEnd < 0) {
            return null;
        }
        try {
            int pid = Integer.parseInt(task.substring(dash + 1));
            int cpu = Integer.parseInt(line.substring(open + 1, close).strip());
            String[] headerRest = line.substring(close + 1, tsEnd).strip().split("\\s+");
            long nanos = seconds(headerRest[headerRest.length - 1]);
            String name = line.substring(tsEnd + 2, nameEnd).strip();
            return new FtraceEvent(lineNo, task.substring(0, dash), pid, cpu, nanos, name,
                    fields(nameEnd + 1 < line.length() ? line.substring(nameEnd + 1) : ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** "0.170000" (seconds.microseconds, or nanoseconds with 9 digits) as nanoseconds. */
    private static long seconds(String ts) {
        int dot = ts.indexOf('.');
        if (dot < 0) {
            return Long.parseLong(ts) * 1_000_000_000L;
        }
        String frac = (ts.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(ts.substring(0, dot)) * 1_000_000_000L + Long.parseLong(frac);
    }

    private static Map<String, String> fields(String text) {
        // ptr=  (null): the old %p of a NULL pointer, with its padding.
        String t = text.replace("=  (null)", "=0").replace("=(null)", "=0");
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = t.length();
        while (i < n) {
            while (i < n && t.charAt(i) == ' ') {
                i++;
            }
            int eq = t.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            int end = t.indexOf(' ', eq + 1);
            if (end < 0) {
                end = n;
            }
            String key = t.substring(i, eq);
            if (key.indexOf(' ') < 0 && !key.isEmpty()) {
                out.put(key, t.substring(eq + 1, end));
            }
            i = end;
        }
        return out;
    }
}
