package org.kmemu.core.workload.synthetic;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a small whitespace-separated data file that a workload reads (a malloclab trace, a size
 * histogram): {@code #} starts a comment, lines left blank are skipped, and each line keeps its number so
 * that an error can name {@code file:line}.
 */
final class DataLines implements Closeable {
    private final BufferedReader in;
    private int number;
    private String text;
    private String[] fields;

    /**
     * @param file the file, UTF-8
     * @throws IOException when it cannot be opened
     */
    DataLines(Path file) throws IOException {
        this.in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
    }

    /**
     * Moves to the next line that holds more than a comment.
     *
     * @return false at the end of the file
     * @throws IOException when the file cannot be read
     */
    boolean next() throws IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            number++;
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!content.isEmpty()) {
                text = content;
                fields = content.split("\\s+");
                return true;
            }
        }
        return false;
    }

    /** @return the current line's number, from 1 */
    int number() {
        return number;
    }

    /** @return the current line without its comment or surrounding blanks */
    String text() {
        return text;
    }

    /** @return the current line's fields */
    String[] fields() {
        return fields;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
