package org.kmemu.core.workload;

import java.util.Map;

/**
 * One event line of ftrace's text output ({@code TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: key=value ...},
 * kernel/trace/trace_output.c), with its fields by name in the order printed.
 *
 * @param line   the line number in its file, from 1
 * @param comm   the task's name
 * @param pid    its pid
 * @param cpu    the CPU the event fired on
 * @param nanos  the time stamp in nanoseconds
 * @param name   the event's name ({@code kmalloc}, {@code mm_page_free}, ...)
 * @param fields key=value pairs; a NULL pointer ({@code ptr=  (null)}) reads as {@code "0"}
 */
public record FtraceEvent(int line, String comm, int pid, int cpu, long nanos, String name, Map<String, String> fields) {
    /**
     * @param key a field
     * @return whether the event has it
     */
    public boolean has(String key) {
        return fields.containsKey(key);
    }

    /**
     * @param key a decimal field ({@code bytes_req}, {@code order})
     * @return its value
     * @throws TraceFormatException if it is missing or not a number
     */
    public long decimal(String key) {
        String v = field(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new TraceFormatException(line, key + "=" + v + " (expected: a decimal number)");
        }
    }

    /**
     * @param key a hexadecimal field printed with or without {@code 0x} ({@code ptr}, {@code call_site})
     * @return its value
     * @throws TraceFormatException if it is missing or not hexadecimal
     */
    public long hex(String key) {
        String v = field(key);
        String digits = v.startsWith("0x") ? v.substring(2) : v;
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw new TraceFormatException(line, key + "=" + v + " (expected: a hexadecimal number)");
        }
    }

    /**
     * The pfn of an mm_page_alloc/mm_page_free event: old kernels print it in decimal, newer ones as
     * {@code 0x}-hex (include/trace/events/kmem.h changed the format in 4.x).
     *
     * @return the pfn
     */
    public long pfn() {
        String v = field("pfn");
        return v.startsWith("0x") ? hex("pfn") : decimal("pfn");
    }

    /**
     * @param key a field
     * @return its text
     * @throws TraceFormatException if it is missing
     */
    public String field(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new TraceFormatException(line, name + ": no " + key + "= field");
        }
        return v;
    }
}
