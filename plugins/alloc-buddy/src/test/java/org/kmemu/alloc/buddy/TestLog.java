package org.kmemu.alloc.buddy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;

/** A KernelLog double that keeps every line. */
final class TestLog implements KernelLog {
    final List<String> lines = new ArrayList<>();
    final List<LogLevel> levels = new ArrayList<>();
    final List<Integer> cpus = new ArrayList<>();
    String comm = "swapper/0";
    /** The task each CPU runs, when a test sets it; otherwise {@link #comm}. */
    final Map<Integer, String> cpuComms = new HashMap<>();

    @Override
    public synchronized void printk(LogLevel level, String line) {
        levels.add(level);
        lines.add(line);
        cpus.add(-1);
    }

    @Override
    public synchronized void printk(int cpu, LogLevel level, String line) {
        levels.add(level);
        lines.add(line);
        cpus.add(cpu);
    }

    @Override
    public String currentComm(int cpu) {
        return cpuComms.getOrDefault(cpu, comm);
    }

    @Override
    public String currentComm() {
        return comm;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
