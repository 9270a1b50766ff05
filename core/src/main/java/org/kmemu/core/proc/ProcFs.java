package org.kmemu.core.proc;

import java.util.List;
import org.kmemu.core.machine.Machine;

/** Placeholder replaced by the renderers' facade. */
public final class ProcFs {
    private final Machine machine;

    public ProcFs(Machine machine) {
        this.machine = machine;
    }

    public static List<String> names() {
        return List.of("buddyinfo", "iomem", "meminfo", "pagetypeinfo", "zoneinfo");
    }

    public String read(String name) {
        throw new IllegalArgumentException(name + machine);
    }
}
