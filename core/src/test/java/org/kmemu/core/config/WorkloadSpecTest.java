package org.kmemu.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;

/** --workload: a file's workload block or inline settings, errors naming file:line or the command line. */
class WorkloadSpecTest {
    @TempDir
    Path dir;

    @Test
    void inlineSettingsAreTheBlockWithOrWithoutWorkloadAroundThem() {
        WorkloadSpec s = WorkloadSpec.parse("type = synthetic, events = 10000");
        assertThat(s.file()).isNull();
        assertThat(s.settings().getString("type")).isEqualTo("synthetic");
        assertThat(s.settings().getLong("events")).isEqualTo(10000);
        assertThat(WorkloadSpec.parse("workload { type = trace, file = \"x.log\" }").settings().getString("file")).isEqualTo("x.log");
        assertThat(WorkloadSpec.parse("type=script,file=config/scripts/a.jsh").settings().getString("file"))
                .isEqualTo("config/scripts/a.jsh");
    }

    @Test
    void aFilesWorkloadBlockIsReadAndItsErrorsNameTheLine() throws IOException {
        Path f = dir.resolve("exp.conf");
        Files.writeString(f, "name = demo\nworkload {\n  type = synthetic\n  events = lots\n}\n");
        WorkloadSpec s = WorkloadSpec.parse(f.toString());
        assertThat(s.file()).isEqualTo(f);
        assertThatThrownBy(() -> s.settings().getLong("events")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(f + ":4: workload.events: ");
        Files.writeString(f, "workload {\n  type = synthetic\n  events = [1,\n}\n");
        assertThatThrownBy(() -> WorkloadSpec.parse(f.toString())).isInstanceOf(ConfigException.class).hasMessageStartingWith(f + ":");
    }

    @Test
    void whatIsNotAWorkloadIsRefusedSayingWhatWasExpected() throws IOException {
        assertThatThrownBy(() -> WorkloadSpec.parse("nosuch.conf")).hasMessageStartingWith("nosuch.conf: no such workload file");
        Path f = dir.resolve("machine.conf");
        Files.writeString(f, "kmemu.cpus = 2\n");
        assertThatThrownBy(() -> WorkloadSpec.parse(f.toString())).hasMessage(f + ": no workload { ... } block (expected: workload { type = ..., ... })");
        assertThatThrownBy(() -> WorkloadSpec.parse("events = 5")).hasMessageStartingWith("command line (--workload): workload.type: no type");
        assertThatThrownBy(() -> WorkloadSpec.parse("type = synthetic, events = ")).hasMessageStartingWith("command line (--workload): ");
    }
}
