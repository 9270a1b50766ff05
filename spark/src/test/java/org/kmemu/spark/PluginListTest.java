package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The job jar bundles the plugins the distribution ships: the two poms name them in their
 * {@code includeArtifactIds}, and a plugin added to one must be added to the other.
 */
class PluginListTest {
    private static final Pattern IDS = Pattern.compile("<includeArtifactIds>([^<]*)</includeArtifactIds>");

    @Test
    void theJobJarBundlesTheDistributionsPlugins() throws IOException {
        Path root = LocalSpark.root();
        List<String> distribution = ids(root.resolve("distribution/pom.xml"));
        List<String> spark = ids(root.resolve("spark/pom.xml"));

        assertThat(distribution).contains("kmemu-arch-x86_64", "kmemu-alloc-slub");
        assertThat(spark).containsExactlyInAnyOrderElementsOf(distribution);
    }

    private static List<String> ids(Path pom) throws IOException {
        Matcher m = IDS.matcher(Files.readString(pom));
        assertThat(m.find()).as("%s has includeArtifactIds", pom).isTrue();
        return List.of(m.group(1).strip().split("\\s*,\\s*"));
    }
}
