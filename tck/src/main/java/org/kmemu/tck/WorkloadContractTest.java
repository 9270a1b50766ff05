package org.kmemu.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigView;
import org.kmemu.api.Workload;
import org.kmemu.api.WorkloadContext;
import org.kmemu.api.WorkloadReport;
import org.kmemu.api.WorkloadRun;
import org.kmemu.core.config.TypesafeConfigView;

/**
 * The contract every {@link Workload} keeps, checked with a {@link RecordingKernelCalls} (no machine):
 * the same settings and seed give the same calls, in the same order, with the same arguments; it frees
 * only what it was given, with the right cache or order, and never twice; the report's events are the
 * allocation and free calls it issued (with settings whose every event is one call), which it also
 * told {@code advance}, and its planned events when it knew them; a failed allocation is an answer,
 * not an error (a workload may then issue fewer calls than events, as a trace's free of an object that
 * could not be placed is no call); the CPUs it names exist.
 *
 * <p>Extend it, return your workload from {@link #workload()} and its settings from
 * {@link #settings(Path)} (HOCON lines of the {@code workload} block, without {@code type}; write any
 * input file it names into the directory given, which is the experiment file's). Choose settings whose
 * every event is one allocation or free call.
 */
public abstract class WorkloadContractTest {
    /** The experiment's directory: the settings' relative file names are read from here. */
    @TempDir
    protected Path dir;

    /** @return a new instance of the workload under test */
    protected abstract Workload workload();

    /**
     * @param dir where the experiment file is; write input files here
     * @return the workload block's settings, without {@code type}, e.g. {@code "events = 1000"}
     * @throws IOException if an input file cannot be written
     */
    protected abstract String settings(Path dir) throws IOException;

    /** @return the CPU count of the run; 3 by default, so that CPU choices other than 0 and 1 show */
    protected int cpus() {
        return 3;
    }

    private record Context(long seed, int cpus, Path directory) implements WorkloadContext {
        @Override
        public Path resolve(String file) {
            return directory.resolve(file).toAbsolutePath().normalize();
        }
    }

    private ConfigView view() throws IOException {
        Workload w = workload();
        Path file = dir.resolve("experiment.conf");
        Files.writeString(file, "workload {\n  type = " + w.id() + "\n" + settings(dir) + "\n}\n");
        Config c = ConfigFactory.parseFile(file.toFile()).resolve();
        return new TypesafeConfigView(c, "workload");
    }

    /** A run's calls and its report. */
    protected record Outcome(RecordingKernelCalls kernel, WorkloadReport report, long planned) {
    }

    /**
     * Prepares and runs the workload once.
     *
     * @param seed      the run's seed
     * @param failEvery fail every n-th allocation, 0 for never
     * @return the calls it made and its report
     * @throws IOException if the settings cannot be written
     */
    protected Outcome run(long seed, int failEvery) throws IOException {
        WorkloadRun run = workload().prepare(view(), new Context(seed, cpus(), dir));
        RecordingKernelCalls kernel = new RecordingKernelCalls(cpus(), failEvery);
        WorkloadReport report = run.run(kernel);
        return new Outcome(kernel, report, run.plannedEvents());
    }

    @Test
    void theSameSettingsAndSeedGiveTheSameCalls() throws IOException {
        Outcome a = run(42, 0);
        Outcome b = run(42, 0);
        assertThat(a.kernel().calls()).as("the workload made calls").isNotEmpty();
        assertThat(b.kernel().calls()).as("the second run's calls, in order").containsExactlyElementsOf(a.kernel().calls());
        assertThat(b.report()).isEqualTo(a.report());
    }

    @Test
    void itFreesOnlyWhatItGotWithTheRightCacheOrOrderOnCpusThatExist() throws IOException {
        Outcome o = run(7, 0);
        assertThat(o.kernel().violations()).isEmpty();
        assertThat(o.kernel().kmapLocalDepth()).as("every kmap_local slot given back").isZero();
    }

    @Test
    void theReportCountsTheCallsItIssuedAndToldAdvance() throws IOException {
        Outcome o = run(3, 0);
        assertThat(o.report().events()).as("report.events = the allocation and free calls").isEqualTo(o.kernel().allocFrees());
        assertThat(o.kernel().advanced()).as("the events told to advance").isEqualTo(o.report().events());
        assertThat(o.kernel().advanceCalls()).as("advance was called").isPositive();
        if (o.planned() >= 0) {
            assertThat(o.planned()).as("plannedEvents").isEqualTo(o.report().events());
        }
    }

    @Test
    void aFailedAllocationIsAnAnswerNotAnError() throws IOException {
        Outcome o = run(5, 3);
        assertThat(o.kernel().violations()).as("nothing it did not get is freed").isEmpty();
        assertThat(o.kernel().calls()).as("some allocations failed").anyMatch(c -> c.endsWith("-> 0x0") || c.endsWith("-> -1"));
        assertThat(o.kernel().advanced()).as("the events told to advance").isEqualTo(o.report().events());
    }
}
