package org.kmemu.core.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.ConfigView;
import org.kmemu.core.config.TypesafeConfigView;

/** Experiment files written by a test, whose {@code workload} block a workload reads with real file:line origins. */
public final class ExperimentFiles {
    private ExperimentFiles() {
    }

    /**
     * @param file where to write the experiment
     * @param text its HOCON text
     * @return the view of its {@code workload} block
     */
    public static ConfigView workload(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Config c = ConfigFactory.parseFile(file.toFile()).resolve();
        return new TypesafeConfigView(c, "workload");
    }
}
