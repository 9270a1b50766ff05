package org.kmemu.core.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes a run's {@code stats.json} (Jackson; pretty-printed, fields in declaration order). */
public final class StatsJson {
    /** The file's name in a run's folder. */
    public static final String FILE = "stats.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatsJson() {
    }

    /**
     * @param stats a run's statistics
     * @return them as JSON text
     */
    public static String toJson(RunStats stats) {
        try {
            return MAPPER.writeValueAsString(stats);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param json what {@link #toJson} wrote
     * @return the statistics
     * @throws IOException when the text is not a run's statistics
     */
    public static RunStats fromJson(String json) throws IOException {
        return MAPPER.readValue(json, RunStats.class);
    }

    /**
     * @param runDir a run's folder
     * @param stats  its statistics
     * @throws IOException when the file cannot be written
     */
    public static void write(Path runDir, RunStats stats) throws IOException {
        Files.writeString(runDir.resolve(FILE), toJson(stats) + "\n");
    }

    /**
     * @param runDir a run's folder
     * @return its statistics
     * @throws IOException when the file cannot be read or is not a run's statistics
     */
    public static RunStats read(Path runDir) throws IOException {
        return fromJson(Files.readString(runDir.resolve(FILE)));
    }
}
