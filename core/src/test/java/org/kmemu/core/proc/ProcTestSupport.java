package org.kmemu.core.proc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Helpers shared by the /proc renderer tests: the real samples and line splitting. */
final class ProcTestSupport {
    /** Where the real Linux 6.18 samples live; tests that compare layouts skip if it is absent. */
    static final Path SAMPLES = Path.of("/work/shared/reference/proc");

    private ProcTestSupport() {
    }

    /** @return the text's lines, without their newlines (the text must end in one) */
    static List<String> lines(String text) {
        if (!text.endsWith("\n")) {
            throw new AssertionError("text does not end in a newline: " + text);
        }
        return List.of(text.substring(0, text.length() - 1).split("\n", -1));
    }

    /** @return whether the samples directory is present */
    static boolean haveSamples() {
        return Files.isDirectory(SAMPLES);
    }

    /** @return the lines of a real sample file */
    static List<String> sample(String name) {
        try {
            return lines(Files.readString(SAMPLES.resolve(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
