package org.kmemu.core.proc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.kmemu.core.machine.Machine;

/**
 * The debugfs files about memory ({@code /sys/kernel/debug/...}) that a booted {@link Machine} can
 * show, rendered on demand in the kernel's format:
 * <ul>
 *   <li>{@code extfrag/unusable_index}: the unusable free space index per zone and order;</li>
 *   <li>{@code extfrag/extfrag_index}: the fragmentation index per zone and order (see {@link Extfrag}).</li>
 * </ul>
 * Read from any thread, as {@link ProcFs}.
 */
public final class DebugFs {
    private static final Map<String, Function<Machine, String>> FILES = new LinkedHashMap<>();

    static {
        FILES.put("extfrag/unusable_index", Extfrag::renderUnusableIndex);
        FILES.put("extfrag/extfrag_index", Extfrag::renderExtfragIndex);
    }

    private final Machine machine;

    /** @param machine the booted machine whose files to show */
    public DebugFs(Machine machine) {
        this.machine = Objects.requireNonNull(machine, "machine");
    }

    /** @return the file names {@link #read} accepts, relative to /sys/kernel/debug, in a fixed order */
    public static List<String> names() {
        return List.copyOf(FILES.keySet());
    }

    /**
     * @param name a file name from {@link #names()}: {@code "extfrag/unusable_index"}
     * @return the file's full text, every line ending in a newline
     * @throws IllegalArgumentException for a name not in {@link #names()}
     */
    public String read(String name) {
        Function<Machine, String> renderer = FILES.get(name);
        if (renderer == null) {
            throw new IllegalArgumentException("no such debugfs file: " + name + " (expected one of: "
                    + String.join(", ", FILES.keySet()) + ")");
        }
        return renderer.apply(machine);
    }
}
