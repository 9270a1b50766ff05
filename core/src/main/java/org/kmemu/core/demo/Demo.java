package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.List;
import org.kmemu.core.machine.Machine;

/**
 * One runnable demo: a short scenario on a booted machine that answers a question the kernel's memory
 * documents ask (how a driver reaches a user buffer, what GUP's write and force change, how copy_to_user
 * stops at a hole, what fork's copy-on-write does), printed step by step as a kernel person would read it.
 *
 * <p>Called by {@code kmemu demo NAME} on the CLI's thread, which is CPU 0's thread, once per boot; a demo
 * may use the machine as it likes (tasks, mms, files) and leaves it running. Output is deterministic: the
 * same machine config gives the same text, byte for byte (no times, no hash orders). A demo that finds
 * the kernel misbehaving prints what it saw and throws {@link IllegalStateException}; it never hides a
 * wrong result.
 */
public interface Demo {
    /** @return the name on the command line, lowercase with dashes */
    String name();

    /** @return one line: what the demo shows (the list of demos and the first line of its help) */
    String summary();

    /** @return the rest of its help: what it does, step by step, and what to look at */
    List<String> description();

    /**
     * Runs the demo.
     *
     * @param m   a freshly booted machine; CPU 0 belongs to the calling thread
     * @param out where the steps are printed
     */
    void run(Machine m, PrintWriter out);
}
