package org.kmemu.alloc.buddy;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;

/** A KernelLog double that keeps every line. */
final class TestLog implements KernelLog {
    final List<String> lines = new ArrayList<>();
    final List<LogLevel> levels = new ArrayList<>();
    String comm = "swapper/0";

    @Override
    public synchronized void printk(LogLevel level, String line) {
        levels.add(level);
        lines.add(line);
    }

    @Override
    public String currentComm() {
        return comm;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
