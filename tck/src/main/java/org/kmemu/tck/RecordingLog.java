package org.kmemu.tck;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;

/** A {@link KernelLog} that keeps every line, for assertions on the kernel's reports. Thread-safe. */
public final class RecordingLog implements KernelLog {
    private final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void printk(LogLevel level, String line) {
        lines.add(line);
    }

    @Override
    public String currentComm() {
        return "tck/0";
    }

    /** @return a copy of the lines so far */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** Forgets the lines so far. */
    public synchronized void clear() {
        lines.clear();
    }
}
