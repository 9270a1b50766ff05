package org.kmemu.core.script;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.kmemu.api.KernelCalls;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;

/**
 * How a JShell script reaches the objects it is given. JShell compiles each snippet on its own and runs
 * it in this JVM (direct or local execution): it cannot be handed a Java reference, only source text.
 * So the host registers the objects here under a fresh key and the script's first snippets read them
 * back by that key ({@code Machine machine = ScriptBindings.machine(7L);}). Keys make concurrent scripts
 * (an experiment's runs on several threads) see each their own machine.
 *
 * <p>The names a script has, documented in {@link #PREAMBLE_DOC}: {@code machine} (the booted core
 * {@link Machine}), {@code kernel} (the run's {@link KernelCalls}), {@code cpu} (CPU 0, a core
 * {@link Cpu}, for the core APIs that take one).
 */
public final class ScriptBindings {
    /** What the bound names are, for help texts. */
    public static final String PREAMBLE_DOC = "machine (org.kmemu.core.machine.Machine: the booted machine),"
            + " kernel (org.kmemu.api.KernelCalls: kmalloc, kfree, kmemCacheCreate/Alloc/Free, allocPages, freePages,"
            + " vmalloc, vfree, memset, readLong on a CPU number), cpu (org.kmemu.core.mmu.Cpu: CPU 0, for the core APIs)";

    private static final AtomicLong NEXT = new AtomicLong();
    private static final Map<Long, Bound> BOUND = new ConcurrentHashMap<>();

    private record Bound(Machine machine, KernelCalls kernel) {
    }

    private ScriptBindings() {
    }

    /**
     * @param machine the machine
     * @param kernel  its kernel calls
     * @return the key the script reads them by; {@link #unbind} it when the script is done
     */
    static long bind(Machine machine, KernelCalls kernel) {
        long key = NEXT.incrementAndGet();
        BOUND.put(key, new Bound(machine, kernel));
        return key;
    }

    static void unbind(long key) {
        BOUND.remove(key);
    }

    /** @param key a bound key @return its machine */
    public static Machine machine(long key) {
        return bound(key).machine();
    }

    /** @param key a bound key @return its kernel calls */
    public static KernelCalls kernel(long key) {
        return bound(key).kernel();
    }

    private static Bound bound(long key) {
        Bound b = BOUND.get(key);
        if (b == null) {
            throw new IllegalStateException("script bindings: key " + key + " is not bound (expected: a script's own key)");
        }
        return b;
    }

    /**
     * The snippets every script starts with: kmemu's imports and the bound names.
     *
     * @param key the key from {@link #bind}
     * @return one snippet per line
     */
    static java.util.List<String> preamble(long key) {
        return java.util.List.of(
                // JShell's own default imports (its DEFAULT startup), which a script run without the tool lacks
                "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.nio.file.*;",
                "import java.util.*;", "import java.util.concurrent.*;", "import java.util.function.*;",
                "import java.util.regex.*;", "import java.util.stream.*;",
                "import org.kmemu.api.*;",
                "import org.kmemu.core.machine.Machine;",
                "import org.kmemu.core.mmu.Cpu;",
                "import org.kmemu.core.kernel.*;",
                "import org.kmemu.core.proc.ProcFs;",
                "import org.kmemu.core.trace.*;",
                "Machine machine = org.kmemu.core.script.ScriptBindings.machine(" + key + "L);",
                "KernelCalls kernel = org.kmemu.core.script.ScriptBindings.kernel(" + key + "L);",
                "Cpu cpu = machine == null ? null : machine.mmu().cpu(0);");
    }
}
