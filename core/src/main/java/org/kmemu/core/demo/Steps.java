package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.List;
import org.kmemu.core.machine.Machine;

/**
 * How the demos print: a header naming the machine, numbered steps, indented detail lines, and the
 * faults a step took. Plain text for a terminal; nothing in it depends on time.
 */
final class Steps {
    private final PrintWriter out;
    private int step;

    Steps(PrintWriter out) {
        this.out = out;
    }

    /** Prints the demo's title and the machine it runs on. */
    void header(Demo demo, Machine m) {
        out.printf("kmemu demo %s: %s%n", demo.name(), demo.summary());
        out.printf("machine: %s, PAGE_SIZE %d, %d MiB of RAM (%s), TASK_SIZE %#x%n", m.arch().id(), 1L << m.pageShift(),
                (m.totalRamPages() << m.pageShift()) >> 20, zones(m), m.layout().taskSize());
    }

    private static String zones(Machine m) {
        StringBuilder sb = new StringBuilder();
        for (org.kmemu.api.ZoneSpan z : m.populatedZones()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(z.type().kernelName());
        }
        return sb.toString();
    }

    /** Starts the next numbered step. */
    void step(String title) {
        out.println();
        out.printf("%d. %s%n", ++step, title);
    }

    /** A line of the step: a call and its result, or a fact. */
    void line(String text) {
        out.println("   " + text);
    }

    /** A formatted line of the step. */
    void line(String format, Object... args) {
        line(String.format(format, args));
    }

    /** A detail under the previous line. */
    void detail(String text) {
        out.println("     " + text);
    }

    /** A formatted detail under the previous line. */
    void detail(String format, Object... args) {
        detail(String.format(format, args));
    }

    /** The faults taken, one detail each, or "no fault". */
    void faults(List<FaultLog.Entry> faults) {
        if (faults.isEmpty()) {
            detail("no page fault");
        }
        for (FaultLog.Entry e : faults) {
            detail(e.line());
        }
    }
}
