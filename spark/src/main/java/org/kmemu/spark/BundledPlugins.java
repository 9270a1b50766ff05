package org.kmemu.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The shipped plugin jars that the build puts inside the job jar, under {@value #FOLDER}, made into a
 * plugins directory on the machine that runs this code.
 *
 * <p>PF4J loads plugins from jars in a directory, not from jars nested in another jar, so an executor
 * copies them out once per JVM into a temporary directory (deleted when the JVM exits) and every task on
 * that executor loads its plugins from there. A plugin loaded that way sees the api classes of the job
 * jar: the plugin jars hold none of their own (kmemu-api is {@code provided} for plugins), and PF4J's
 * plugin class loader falls back to its parent, the loader of the job jar, for what the plugin lacks.
 *
 * <p>When the classes are not in a jar (the module's own tests, run from {@code target/classes}) the
 * folder is already a directory and is used as it is.
 */
public final class BundledPlugins {
    /** The folder of the job jar (and of {@code target/classes}) that holds the plugin jars. */
    public static final String FOLDER = "kmemu-plugins";

    private static Path extracted;

    private BundledPlugins() {
    }

    /**
     * @return the directory of the shipped plugin jars on this JVM: extracted from the job jar on the
     *         first call, the same directory after that
     * @throws IllegalStateException when the job jar (or class folder) has no {@value #FOLDER} with jars in it
     */
    public static synchronized Path directory() {
        if (extracted == null) {
            extracted = locate(codeSource());
        }
        return extracted;
    }

    /**
     * @param source the jar or class folder this code was loaded from
     * @return a directory of the plugin jars found in {@code source}'s {@value #FOLDER}
     */
    static Path locate(Path source) {
        if (Files.isDirectory(source)) {
            Path dir = source.resolve(FOLDER);
            if (jarCount(dir) == 0) {
                throw new IllegalStateException(source + ": no plugin jars in " + FOLDER
                        + "/ (expected: the shipped plugins, copied there by the build)");
            }
            return dir;
        }
        try {
            Path target = Files.createTempDirectory("kmemu-plugins-");
            target.toFile().deleteOnExit();
            int n = extract(source, target);
            if (n == 0) {
                throw new IllegalStateException(source + ": no plugin jars under " + FOLDER
                        + "/ (expected: a job jar built by the kmemu-spark module, which bundles the shipped plugins)");
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": cannot extract the bundled plugins: " + e.getMessage(), e);
        }
    }

    /**
     * Copies every {@code FOLDER/*.jar} of {@code jar} into {@code target}, flat.
     *
     * @return how many jars were copied
     */
    static int extract(Path jar, Path target) throws IOException {
        List<Path> written = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                String name = entry.getName();
                if (entry.isDirectory() || !name.startsWith(FOLDER + "/") || !name.endsWith(".jar")
                        || name.indexOf('/', FOLDER.length() + 1) >= 0) {
                    continue;
                }
                Path out = target.resolve(name.substring(FOLDER.length() + 1));
                try (InputStream in = file.getInputStream(entry)) {
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
                out.toFile().deleteOnExit();
                written.add(out);
            }
        }
        return written.size();
    }

    private static long jarCount(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path codeSource() {
        CodeSource source = BundledPlugins.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            throw new IllegalStateException("cannot tell which jar " + BundledPlugins.class.getName()
                    + " was loaded from, so cannot find the bundled plugins (expected: the kmemu-spark job jar)");
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(source.getLocation() + ": not a file location", e);
        }
    }

    /** Sorts for stable listings in messages and tests. */
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted(Comparator.naturalOrder()).toList();
        }
    }
}
