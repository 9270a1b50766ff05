package org.kmemu.core.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.ConfigException;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.script.InteractiveShell;
import org.kmemu.core.script.JShellScript;
import org.kmemu.core.script.ScriptBindings;
import org.kmemu.core.script.ScriptException;
import org.kmemu.core.workload.MachineKernelCalls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kmemu shell}: boots, then JShell on the booted machine. Interactive on a terminal; with
 * {@code --script FILE}, or with standard input that is not a terminal (a pipe, a here-document), the
 * script runs without prompts or echoed values, as a workload's script does ({@link JShellScript}):
 * only what it prints is printed, and an error stops it with the script's file and line (exit 1).
 */
@Command(name = "shell", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Boot, then open JShell on the machine, with kmemu's API imported and machine, kernel and cpu bound.",
    "Imported: org.kmemu.api.*, the core kernel classes. Bound: " + ScriptBindings.PREAMBLE_DOC + ".",
    "With --script FILE, or input piped in, runs the script without prompts and exits."})
final class ShellCommand extends Main.MachineCommand {
    @Option(names = "--script", paramLabel = "FILE", description = "A JShell script (.jsh) to run instead of the interactive shell.")
    Path script;

    @Override
    int run(Main.Options opts, CommandLine cl) {
        PrintWriter err = cl.getErr();
        String name;
        String source;
        try {
            if (script != null) {
                if (!Files.isRegularFile(script)) {
                    throw new ConfigException(script + ": no such script file");
                }
                name = script.toString();
                source = Files.readString(script, StandardCharsets.UTF_8);
            } else if (!stdinIsTerminal()) {
                name = "<stdin>";
                source = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            } else {
                name = null;
                source = null;
            }
        } catch (IOException e) {
            err.println("kmemu: shell: " + e.getMessage());
            return 1;
        }
        Machine m = opts.open(cl).boot();
        MachineKernelCalls kernel = new MachineKernelCalls(m, n -> { });
        if (source == null) {
            cl.getOut().flush();
            try {
                return InteractiveShell.run(m, kernel, System.in, System.out, System.err);
            } catch (IOException e) {
                err.println("kmemu: " + e.getMessage());
                return 1;
            }
        }
        try {
            cl.getOut().flush();
            new JShellScript(name, source).run(m, kernel);
            System.out.flush();
            return 0;
        } catch (ScriptException e) {
            System.out.flush();
            err.println("kmemu: shell: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Whether standard input is a terminal. {@code System.console()} is null otherwise up to JDK 21;
     * from JDK 22 it is a console whatever the streams are, and {@code Console.isTerminal()} (22+,
     * called by reflection as kmemu is built for 17) says.
     */
    static boolean stdinIsTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 17 to 21: a console means a terminal
        }
    }
}
