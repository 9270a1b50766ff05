package org.kmemu.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.ConfigException;
import org.kmemu.core.experiment.Experiment;

/**
 * What an executor needs to load the driver's experiment again: the experiment file's absolute path and a
 * digest of its bytes, the {@code --plugins} directories and the {@code -D} settings. Sent to the executors
 * with every task (Java serialization: strings, lists and maps only).
 *
 * <p><b>Files on executors.</b> The experiment file, and what it names (machine files, traces), are read
 * at the same absolute path on every executor as on the driver: a shared file system, or one machine. An
 * executor that has no file at that path looks for one of the same name among the files shipped with
 * {@code spark-submit --files} ({@code SparkFiles}); inputs the experiment names relative to itself then
 * resolve beside it, so they must be shipped too (and named by bare file name). Either way the executor
 * checks that the file it found has the driver's digest, and refuses a different one.
 *
 * @param file       the experiment file, absolute, as the driver read it
 * @param sha256     the hex SHA-256 of the file's bytes on the driver
 * @param pluginDirs the {@code --plugins} directories, absolute; empty for the plugins bundled in the job jar
 * @param overrides  the {@code -D} settings, in the order given
 */
public record JobSpec(String file, String sha256, List<String> pluginDirs, Map<String, String> overrides)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * @param file       the experiment file
     * @param sha256     its digest
     * @param pluginDirs the plugin directories
     * @param overrides  the -D settings (copied, order kept)
     */
    public JobSpec {
        pluginDirs = List.copyOf(pluginDirs);
        overrides = new LinkedHashMap<>(overrides);
    }

    /**
     * The job for an experiment file as the driver sees it.
     *
     * @param file       the experiment file, relative to the working directory or absolute
     * @param pluginDirs {@code --plugins}
     * @param overrides  {@code -D}
     * @return the job
     * @throws ConfigException when the file cannot be read
     */
    public static JobSpec of(Path file, List<Path> pluginDirs, Map<String, String> overrides) {
        Path abs = file.toAbsolutePath().normalize();
        return new JobSpec(abs.toString(), sha256(abs),
                pluginDirs.stream().map(p -> p.toAbsolutePath().normalize().toString()).toList(), overrides);
    }

    /**
     * Loads the experiment from {@code file} (which must have this job's digest), with this job's plugins
     * and settings.
     *
     * @param file   where this JVM found the experiment file
     * @param output the output folder, or null for the file's
     * @return the experiment
     * @throws ConfigException when the file differs from the driver's, or the experiment is wrong
     */
    Experiment load(Path file, Path output) {
        String found = sha256(file);
        if (!found.equals(sha256)) {
            throw new ConfigException(file + ": not the driver's experiment file (SHA-256 " + found + ", expected: "
                    + sha256 + ", the bytes of " + this.file + " on the driver): every executor must read the same file");
        }
        return Experiment.load(file, plugins(), overrides, output);
    }

    /** @return the plugin directories: --plugins, or the job jar's bundled plugins on this JVM */
    List<Path> plugins() {
        return pluginDirs.isEmpty() ? List.of(BundledPlugins.directory()) : pluginDirs.stream().map(Path::of).toList();
    }

    static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("no such experiment file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
