package org.kmemu.core.experiment.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.kmemu.core.experiment.RunStats;

/**
 * An experiment's {@code report.html}: one self-contained page (the chart library inlined, works
 * offline) comparing the runs. PLACEHOLDER until the report lands: the signature is the contract the
 * experiment runner calls.
 */
public final class HtmlReport {
    /** The file's name in the experiment's folder. */
    public static final String FILE = "report.html";

    private HtmlReport() {
    }

    /**
     * Writes {@code dir/report.html}.
     *
     * @param dir        the experiment's output folder
     * @param title      the experiment's name
     * @param variedKeys the keys the experiment varies, in its order (the table's first columns)
     * @param runs       every run's statistics, in run order (failed runs included)
     * @throws IOException when the file cannot be written
     */
    public static void write(Path dir, String title, List<String> variedKeys, List<RunStats> runs) throws IOException {
        throw new UnsupportedOperationException("report.html is not built yet");
    }
}
