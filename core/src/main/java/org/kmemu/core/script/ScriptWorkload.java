package org.kmemu.core.script;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelCalls;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.workload.MachineKernelCalls;

/**
 * The {@code script} workload: {@code workload { type = script, file = "x.jsh" }} runs a JShell script
 * ({@link JShellScript}) against the run's machine, with {@code machine}, {@code kernel} and
 * {@code cpu} bound ({@link ScriptBindings#PREAMBLE_DOC}). Its events are the calls it makes through
 * {@code kernel} ({@link CountingKernelCalls}); the report's counter {@code snippets} is how many
 * snippets ran.
 *
 * <p>The script is read at {@link #prepare} (a missing file is a config error there, before any run);
 * it compiles when it runs, so a compile error fails that run with the script's file and line.
 *
 * <p>{@code machine} is the machine behind the run's {@link KernelCalls} (the host's
 * {@link MachineKernelCalls}); a script run on other calls has {@code machine} null.
 */
public final class ScriptWorkload implements Workload {
    /** @return the machine behind the host's calls, or null for calls that name none */
    static Machine machineOf(KernelCalls kernel) {
        return kernel instanceof MachineKernelCalls mk ? mk.machine() : null;
    }

    @Override
    public String id() {
        return "script";
    }

    @Override
    public String description() {
        return "runs a JShell script (file = \"x.jsh\") with machine, kernel and cpu bound; its kernel calls are the events";
    }

    @Override
    public WorkloadRun prepare(ConfigView settings, WorkloadContext context) {
        if (!settings.hasPath("file")) {
            throw settings.error("file", "no script file given (expected: file = \"x.jsh\")");
        }
        String name = settings.getString("file");
        Path file = context.resolve(name);
        String source;
        try {
            source = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(settings.error("file", "cannot read the script " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())).getMessage(), e);
        }
        JShellScript script = new JShellScript(name, source);
        return new WorkloadRun() {
            @Override
            public long plannedEvents() {
                return -1;
            }

            @Override
            public WorkloadReport run(KernelCalls kernel) {
                CountingKernelCalls counting = new CountingKernelCalls(kernel);
                int snippets = script.run(machineOf(kernel), counting);
                counting.flush();
                return new WorkloadReport(counting.events(), Map.of("snippets", (long) snippets));
            }
        };
    }
}
