package org.kmemu.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.core.experiment.RunStats;

class ExperimentCommandTest {
    private record Out(int code, String out, String err) {
    }

    private static Out run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Out(code, out.toString(), err.toString());
    }

    @Test
    void aWrongFileIsOneLineNamingItsLineAndExit1(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("e.conf");
        Files.writeString(f, "machine = \"m.conf\"\nworkload { type = synthetic }\nrepats = 2\n");
        Out r = run("experiment", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("kmemu: " + f.toAbsolutePath() + ":3: repats: unknown key (expected one of: ").endsWith(")\n");
        assertThat(r.err().lines()).hasSize(1);
    }

    @Test
    void usageErrors(@TempDir Path dir) {
        Out c = run("experiment", dir.resolve("e.conf").toString(), "-c", "x.conf");
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("an experiment names its machine");
        Out j = run("experiment", dir.resolve("e.conf").toString(), "-j", "-1");
        assertThat(j.code()).isEqualTo(2);
        assertThat(j.err()).isEqualTo("kmemu: experiment: -j -1 (expected: 1 or more)\n");
        Out none = run("experiment");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("Missing required parameter: 'FILE'");
    }

    @Test
    void theEndsTableShowsEachRunsPointStatusAndFirstMeasures() {
        RunStats.Totals t = new RunStats.Totals(1.5, 20000, 1000, 1280, 0.21875, 12, 4000, 300, 250, 1, 2, -1, -1, 0, 0, 1, 0);
        RunStats ok = new RunStats(0, "run-000", Map.of("machine", "../machines/x86_64.conf", "kmemu.cpus", "2"), 0, 7, "ok", null,
                null, new RunStats.WorkloadInfo("synthetic", 30000, Map.of()), t, List.of(), List.of());
        RunStats failed = new RunStats(1, "run-001", Map.of("machine", "../machines/x86_64.conf", "kmemu.cpus", "4"), 0, 7, "failed",
                "boom", null, null, null, List.of(), List.of());
        StringWriter w = new StringWriter();
        ExperimentCommand.table(new PrintWriter(w, true), List.of("machine", "kmemu.cpus"), List.of(ok, failed));
        assertThat(w.toString()).isEqualTo("""
                run      machine      cpus  status  peak_pages  int_frag  slab_pages  failures  events/s
                run-000  x86_64.conf  2     ok      300         0.219     12          3         20000
                run-001  x86_64.conf  4     failed
                """);
    }
}
