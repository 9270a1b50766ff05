package org.kmemu.core.script;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jdk.jshell.tool.JavaShellToolBuilder;
import org.kmemu.api.KernelCalls;
import org.kmemu.core.machine.Machine;

/**
 * {@code kmemu shell}'s interactive JShell: JShell's own tool (its editing, history, tab completion,
 * /commands) with local execution, so snippets run in this JVM and see the booted machine, and a
 * startup that adds kmemu's imports and binds {@code machine}, {@code kernel} and {@code cpu}
 * ({@link ScriptBindings}) after JShell's default startup.
 *
 * <p>Local execution runs each snippet on a thread of its own that ends with it; the next snippet's
 * thread takes the CPUs over from the ended one (CpuOwners), so per-CPU checks pass as they do for
 * one thread.
 */
public final class InteractiveShell {
    private InteractiveShell() {
    }

    /**
     * Runs the shell until the user leaves it ({@code /exit} or end of input).
     *
     * @param machine the booted machine
     * @param kernel  its kernel calls
     * @param in      the user's input
     * @param out     where JShell prints
     * @param err     where its errors go
     * @return JShell's exit status
     * @throws IOException if the startup file cannot be written
     */
    public static int run(Machine machine, KernelCalls kernel, InputStream in, PrintStream out, PrintStream err) throws IOException {
        long key = ScriptBindings.bind(machine, kernel);
        Path startup = Files.createTempFile("kmemu-shell-", ".jsh");
        try {
            Files.write(startup, ScriptBindings.preamble(key), StandardCharsets.UTF_8);
            List<String> args = List.of("--execution", "local", "--class-path",
                    String.join(File.pathSeparator, JShellScript.classPath()), "--startup", "DEFAULT", "--startup", startup.toString());
            return JavaShellToolBuilder.builder().in(in, null).out(out).err(err).start(args.toArray(String[]::new));
        } catch (Exception e) {
            throw new IOException("kmemu shell: JShell failed: " + e.getMessage(), e);
        } finally {
            ScriptBindings.unbind(key);
            Files.deleteIfExists(startup);
        }
    }
}
