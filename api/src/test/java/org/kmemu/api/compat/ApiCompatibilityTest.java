package org.kmemu.api.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The SPI compatibility check of {@code mvn verify}: the current api against every committed
 * snapshot of its major version (api/src/test/resources/api-X.Y.Z.signatures). A plugin built
 * against any of them must still load and link.
 *
 * <p>japicmp is the usual tool, but it compares against a previously published jar, and kmemu-api
 * has never been published; the snapshot is that jar's signature, committed.
 *
 * <p>With {@code -Dkmemu.api.write-snapshot=true} the test instead writes the current api's
 * snapshot for this version (do it when releasing a version, and after a major bump).
 */
class ApiCompatibilityTest {
    private static final String VERSION = System.getProperty("kmemu.api.version", "");
    private static final Path SNAPSHOTS = Path.of(System.getProperty("kmemu.api.snapshot-dir", "src/test/resources"));

    @Test
    void theApiIsCompatibleWithEverySnapshotOfItsMajorVersion() throws IOException {
        assertThat(VERSION).as("system property kmemu.api.version (set by api/pom.xml)").matches("\\d+\\.\\d+\\.\\d+");
        Map<String, String> current = ApiSignatures.of(ApiSignatures.apiTypes());
        if (Boolean.getBoolean("kmemu.api.write-snapshot")) {
            Path file = Files.createDirectories(SNAPSHOTS).resolve("api-" + VERSION + ".signatures");
            Files.writeString(file, ApiSignatures.format(current, VERSION), StandardCharsets.UTF_8);
            System.out.println("wrote " + file.toAbsolutePath() + " (" + current.size() + " signatures)");
            return;
        }
        String major = VERSION.substring(0, VERSION.indexOf('.'));
        List<Path> snapshots;
        try (Stream<Path> files = Files.list(SNAPSHOTS)) {
            snapshots = files.filter(f -> f.getFileName().toString().matches("api-" + major + "\\.\\d+\\.\\d+\\.signatures")).sorted().toList();
        }
        assertThat(snapshots).as("no snapshot of api " + major + ".x in " + SNAPSHOTS.toAbsolutePath()
                + "; write one: mvn -o -q test -pl api -Dtest=ApiCompatibilityTest -Dkmemu.api.write-snapshot=true").isNotEmpty();
        StringBuilder report = new StringBuilder();
        for (Path snapshot : snapshots) {
            ApiCompatibility.Result r = ApiCompatibility.compare(ApiSignatures.read(snapshot), current);
            r.additions().forEach(a -> System.out.println("api " + VERSION + " vs " + snapshot.getFileName() + ": " + a));
            for (String b : r.breaks()) {
                report.append("\n  ").append(b);
            }
            if (!r.breaks().isEmpty()) {
                report.insert(0, "\nkmemu-api " + VERSION + " breaks plugins built against " + snapshot.getFileName() + ":");
            }
        }
        assertThat(report.toString()).as("SPI compatibility (docs/extension-points.md, \"How to evolve the SPI\")").isEmpty();
    }

    @Test
    void theApiArtifactsAreAtTheParentsApiVersion() throws IOException {
        assertThat(VERSION).isEqualTo(System.getProperty("kmemu.api.parent-version"));
        String tckPom = Files.readString(Path.of(System.getProperty("kmemu.api.tck-pom", "../tck/pom.xml")));
        assertThat(tckPom).as("tck/pom.xml's own version").contains("<artifactId>kmemu-tck</artifactId>").containsPattern(
                "<artifactId>kmemu-tck</artifactId>\\s*(<!--(?s:.*?)-->\\s*)?<version>" + java.util.regex.Pattern.quote(VERSION) + "</version>");
    }
}
