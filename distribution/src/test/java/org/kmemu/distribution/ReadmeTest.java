package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.kmemu.core.proc.ProcFs;

/**
 * README.md and docs/ against the code and the running {@code ./kmemu}, where a statement can be checked
 * mechanically: the commands of "Using it" do what their comments say, the lowmem of the shipped machines
 * is what boot prints, every extension point and every plugin config namespace is named, the heap refusal
 * shown is the one printed, and no document points outside the repository.
 */
class ReadmeTest {
    private static String readme() throws IOException {
        return Files.readString(Launcher.ROOT.resolve("README.md"));
    }

    /** The first fenced block after a heading. */
    private static String blockAfter(String text, String heading) {
        int at = text.indexOf(heading);
        assertThat(at).as(heading).isNotNegative();
        int start = text.indexOf("```\n", at) + 4;
        return text.substring(start, text.indexOf("```", start));
    }

    @Test
    void theCommandsOfUsingItDoWhatTheirCommentsSay() throws IOException {
        int run = 0;
        for (String line : blockAfter(readme(), "## Using it").split("\n")) {
            String[] parts = line.split("  #", 2);
            String cmd = parts[0].strip();
            String comment = parts.length > 1 ? parts[1] : "";
            if (!cmd.startsWith("./kmemu ") || cmd.contains("|") || cmd.contains("...")) {
                continue;
            }
            // "> FILE": the output is a file the next command could read; run without the redirect, check it is there.
            String redirect = cmd.contains(" > ") ? cmd.substring(cmd.indexOf(" > ") + 3).strip() : null;
            if (redirect != null) {
                cmd = cmd.substring(0, cmd.indexOf(" > ")).strip();
            }
            Launcher.Result r = Launcher.run(Arrays.copyOfRange(cmd.split("\\s+"), 1, cmd.split("\\s+").length));
            if (redirect != null) {
                assertThat(r.stdout()).as(cmd + " > " + redirect).isNotBlank();
            }
            Matcher quoted = Pattern.compile("\"([^\"]+)\"").matcher(comment);
            if (quoted.find()) {
                assertThat(r.code()).as(cmd + "\n" + r).isEqualTo(1);
                assertThat(r.stderr()).as(cmd + "\n" + r).isEqualTo(quoted.group(1) + "\n");
            } else if (comment.contains("#PF")) {
                assertThat(r.code()).as(cmd + "\n" + r).isEqualTo(1);
                assertThat(r.stdout()).as(cmd + "\n" + r).contains("#PF: error_code");
            } else {
                assertThat(r.code()).as(cmd + "\n" + r).isZero();
                assertThat(r.stderr()).as(cmd + "\n" + r).isEmpty();
            }
            run++;
        }
        assertThat(run).as("./kmemu lines run from README's Using it").isGreaterThanOrEqualTo(12);
    }

    @Test
    void theProcFilesUsingItListsAreTheOnesKmemuHas() throws IOException {
        Matcher m = Pattern.compile("(?m)^\\./kmemu proc ([a-z|]+) -c \\.\\.\\.").matcher(blockAfter(readme(), "## Using it"));
        assertThat(m.find()).as("the ./kmemu proc a|b|c line").isTrue();
        List<String> listed = new ArrayList<>(List.of("buddyinfo"));
        listed.addAll(List.of(m.group(1).split("\\|")));
        assertThat(listed).as("buddyinfo (the line above it) and the others").containsExactlyInAnyOrderElementsOf(ProcFs.names());
    }

    @Test
    void theShippedMachinesLowmemIsWhatBootPrints() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `([\\w-]+\\.conf)` \\|.*?(\\d+) MiB lowmem").matcher(readme());
        int rows = 0;
        while (row.find()) {
            Launcher.Result r = Launcher.run("boot", "-c", "config/machines/" + row.group(1));
            assertThat(r.code()).as(r.toString()).isZero();
            // Lowmem ends where ZONE_HIGHMEM starts (free_area_init's "HighMem [mem ...]" line).
            Matcher highmem = Pattern.compile("HighMem +\\[mem 0x([0-9a-f]+)-").matcher(r.stdout());
            assertThat(highmem.find()).as(row.group(1) + ": a HighMem zone\n" + r).isTrue();
            assertThat(Long.parseLong(highmem.group(1), 16) >> 20).as(row.group(1) + "'s lowmem in MiB, README: " + row.group())
                    .isEqualTo(Long.parseLong(row.group(2)));
            if (r.stdout().contains("LOWMEM available")) {
                assertThat(r.stdout()).as(row.group(1)).contains("] " + row.group(2) + "MB LOWMEM available.");
            }
            rows++;
        }
        assertThat(rows).as("machines with a lowmem figure in README's table").isEqualTo(2);
    }

    @Test
    void everyExtensionPointIsNamedWhereTheSpisAreListed() throws IOException {
        // The extension points are the api's own list (each extends KmemuExtension, PF4J's ExtensionPoint).
        List<String> points = org.kmemu.api.ExtensionPoints.all().stream().map(Class::getSimpleName).toList();
        assertThat(points).hasSizeGreaterThanOrEqualTo(3);
        String layout = readme().lines().filter(l -> l.startsWith("api/ ")).findFirst().orElseThrow();
        String architecture = Files.readString(Launcher.ROOT.resolve("docs/architecture.md"));
        int api = architecture.indexOf("* **api**");
        assertThat(api).as("docs/architecture.md's api bullet").isNotNegative();
        String apiModule = architecture.substring(api, architecture.indexOf("\n* **", api + 1));
        for (String p : points) {
            assertThat(layout).as("README's Layout of the code, api/").contains(p);
            assertThat(apiModule).as("docs/architecture.md's api bullet").contains("`" + p + "`");
        }
    }

    @Test
    void everyPluginConfigNamespaceIsNamedInReadme() throws IOException {
        Map<String, String> namespaces = new LinkedHashMap<>();
        try (Stream<Path> plugins = Files.list(Launcher.ROOT.resolve("plugins"))) {
            for (Path p : (Iterable<Path>) plugins::iterator) {
                Path ref = p.resolve("src/main/resources/reference.conf");
                if (Files.exists(ref)) {
                    Matcher m = Pattern.compile("(?m)^(kmemu\\.[a-z0-9-]+)\\.[a-z0-9_-]+ *\\{").matcher(Files.readString(ref));
                    assertThat(m.find()).as(ref + ": kmemu.<kind>.<id> {").isTrue();
                    namespaces.put(m.group(1), p.getFileName().toString());
                }
            }
        }
        assertThat(namespaces).containsKeys("kmemu.arch", "kmemu.page-allocator", "kmemu.object-allocator");
        String readme = readme();
        for (String ns : namespaces.keySet()) {
            assertThat(readme).as("README's Configuration names " + ns + ".<id>").contains("`" + ns + ".<id>`");
        }
    }

    @Test
    void theHeapRefusalReadmeShowsIsWhatKmemuPrints() throws IOException {
        Matcher m = Pattern.compile("(?m)^\\$ KMEMU_JAVA_OPTS=(\\S+) \\./kmemu (.+)\n(kmemu: .+)$").matcher(readme());
        assertThat(m.find()).as("README's KMEMU_JAVA_OPTS example").isTrue();
        Launcher.Result r = Launcher.runWith(Map.of("KMEMU_JAVA_OPTS", m.group(1)), m.group(2).split(" "));
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo(m.group(3) + "\n");
    }

    @Test
    void noDocumentPointsOutsideTheRepository() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(Launcher.ROOT.resolve("README.md")));
        try (Stream<Path> files = Files.list(Launcher.ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
        }
        Pattern link = Pattern.compile("\\]\\(([^)#]+)[)#]|`(\\.\\./[^`]+)`");
        for (Path doc : docs) {
            Matcher m = link.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1) != null ? m.group(1) : m.group(2);
                if (target.matches("[a-z]+://.*")) {
                    continue;
                }
                Path resolved = doc.getParent().resolve(target).normalize();
                assertThat(resolved).as(doc + " cites " + target).startsWith(Launcher.ROOT).exists();
            }
        }
    }
}
