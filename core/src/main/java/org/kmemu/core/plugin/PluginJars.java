package org.kmemu.core.plugin;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.pf4j.BasePluginRepository;

/**
 * The plugin jars of one or more directories, in a fixed order: directory by directory as given,
 * and by file name within a directory, so that which of two jars with one id wins never depends on
 * the order a file system lists them in (the first one loaded wins; the other is a problem).
 *
 * <p>A directory may be a plugin project's Maven {@code target/}: besides the plugin jar it can hold
 * Maven's by-products, which are never plugins and are skipped without a word (see
 * {@link #isBuildByProduct(String)}). Any other {@code *.jar} is taken for a plugin, so a jar that
 * is not one is reported rather than silently ignored. Sub-directories and other files are ignored.
 */
final class PluginJars extends BasePluginRepository {

    /** File-name suffixes of Maven's attached artifacts: classifier jars that are never plugins. */
    private static final List<String> BY_PRODUCT_SUFFIXES = List.of(
            "-sources.jar", "-javadoc.jar", "-tests.jar", "-test-sources.jar", "-test-javadoc.jar");

    /** The jar maven-shade-plugin leaves beside the shaded one: same manifest, so the same Plugin-Id. */
    private static final String SHADE_ORIGINAL_PREFIX = "original-";

    PluginJars(List<Path> roots) {
        super(roots, PluginJars::isCandidate);
    }

    /**
     * @param fileName a file's name in a plugins directory
     * @return whether Maven made it as a by-product of building a jar: a sources, javadoc or test
     *         jar, or the pre-shading {@code original-*.jar}
     */
    static boolean isBuildByProduct(String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.startsWith(SHADE_ORIGINAL_PREFIX) || BY_PRODUCT_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    private static boolean isCandidate(File f) {
        String name = f.getName();
        return f.isFile() && name.toLowerCase(Locale.ROOT).endsWith(".jar") && !isBuildByProduct(name);
    }

    @Override
    public List<Path> getPluginPaths() {
        List<Path> out = new ArrayList<>();
        for (Path root : pluginsRoots) {
            File[] files = root.toFile().listFiles(filter);
            if (files == null) {
                continue;
            }
            Arrays.sort(files, Comparator.comparing(File::getName));
            for (File f : files) {
                out.add(f.toPath());
            }
        }
        return out;
    }
}
