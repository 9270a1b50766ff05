package org.kmemu.core.machine;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machine's printk ring buffer: what {@code dmesg} shows. Every line also goes to SLF4J under the
 * logger {@code kmemu.kernel}, at the level matching its printk level, so an application embedding
 * kmemu sees the kernel's messages in its own logs.
 *
 * <p>Time stamps come from the machine's emulated clock, not the host's, so that a run's log is the
 * same byte for byte each time. Boot happens at time 0, as the kernel's early messages do.
 * Thread-safe.
 */
public final class KernelLogBuffer implements KernelLog {
    private static final Logger LOG = LoggerFactory.getLogger("kmemu.kernel");

    /** The buffer's capacity in lines; older lines drop out first, as in the kernel's log_buf. */
    static final int CAPACITY = 1 << 16;

    private final List<Line> lines = new ArrayList<>();
    private volatile String comm = "swapper/0";
    private long nanos;

    /**
     * One logged line.
     *
     * @param nanos emulated time since boot
     * @param level printk level
     * @param text  the message
     */
    public record Line(long nanos, LogLevel level, String text) {
        /** @return the line as dmesg prints it: {@code [    0.000000] text} */
        public String format() {
            return String.format("[%5d.%06d] %s", nanos / 1_000_000_000L, nanos / 1000 % 1_000_000, text);
        }
    }

    @Override
    public synchronized void printk(LogLevel level, String line) {
        if (lines.size() == CAPACITY) {
            lines.remove(0);
        }
        lines.add(new Line(nanos, level, line));
        switch (level) {
            case EMERG, ALERT, CRIT, ERR -> LOG.error("{}", line);
            case WARNING -> LOG.warn("{}", line);
            case NOTICE, INFO -> LOG.info("{}", line);
            default -> LOG.debug("{}", line);
        }
    }

    @Override
    public String currentComm() {
        return comm;
    }

    /** @param comm the task name reports should use from now on */
    public void setCurrentComm(String comm) {
        this.comm = comm;
    }

    /** @param nanos the emulated time to stamp later lines with */
    public synchronized void setClock(long nanos) {
        this.nanos = nanos;
    }

    /** @return a copy of the buffer, oldest first */
    public synchronized List<Line> lines() {
        return List.copyOf(lines);
    }

    /** @return the buffer's texts only, oldest first */
    public synchronized List<String> texts() {
        List<String> out = new ArrayList<>(lines.size());
        for (Line l : lines) {
            out.add(l.text());
        }
        return out;
    }
}
