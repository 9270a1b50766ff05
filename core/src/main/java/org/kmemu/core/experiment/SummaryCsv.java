package org.kmemu.core.experiment;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * An experiment's {@code summary.csv} (Commons CSV, RFC 4180, {@code \n} line ends): one row per run, in
 * run order; the columns {@code run, name}, each varied key, {@code repeat, seed, status}, then the
 * metrics ({@link Metrics}, {@code wall_seconds} and {@code events_per_second} last: the only columns
 * that differ between two runs of the same experiment). A failed run's metrics are empty, as is a
 * measure that was not counted (-1 in stats.json, as {@code fallbacks} of a run that predates the count).
 */
final class SummaryCsv {
    /** The file's name in the experiment's folder. */
    static final String FILE = "summary.csv";

    private SummaryCsv() {
    }

    /**
     * @param file    where to write
     * @param keys    the varied keys
     * @param metrics the experiment's {@code metrics}, or null for all
     * @param runs    every run's statistics, in run order
     * @throws IOException when the file cannot be written
     */
    static void write(Path file, List<String> keys, List<String> metrics, List<RunStats> runs) throws IOException {
        List<String> columns = Metrics.columns(metrics);
        List<String> header = new ArrayList<>(List.of("run", "name"));
        header.addAll(keys);
        header.addAll(List.of("repeat", "seed", "status"));
        header.addAll(columns);
        CSVFormat format = CSVFormat.RFC4180.builder().setRecordSeparator("\n").setHeader(header.toArray(String[]::new)).build();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); CSVPrinter csv = new CSVPrinter(w, format)) {
            for (RunStats s : runs) {
                List<String> row = new ArrayList<>();
                row.add(Integer.toString(s.run()));
                row.add(s.name());
                for (String k : keys) {
                    String v = s.point().get(k);
                    row.add(v == null ? "" : v);
                }
                row.add(Integer.toString(s.repeat()));
                row.add(Long.toString(s.seed()));
                row.add(s.status());
                for (String c : columns) {
                    row.add(Metrics.value(c, s));
                }
                csv.printRecord(row);
            }
        }
    }
}
