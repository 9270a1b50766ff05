package org.kmemu.api.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ExtensionPointInfo;
import org.kmemu.api.ExtensionPoints;
import org.kmemu.api.HostProvided;
import org.kmemu.api.KmemuExtension;

/** docs/extension-points.md states the facts of the code: its tables are checked against the api. */
class ExtensionPointsDocTest {
    private static final Pattern ROW = Pattern.compile("^\\| `(org\\.kmemu\\.api\\.[A-Za-z]+)` \\|(.*)$");

    private static List<String> rowsUnder(String heading) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(System.getProperty("kmemu.api.docs", "../docs/extension-points.md")));
        int start = lines.indexOf(heading);
        assertThat(start).as(heading + " in docs/extension-points.md").isNotNegative();
        List<String> rows = new ArrayList<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("## ")) {
                break;
            }
            if (ROW.matcher(line).matches()) {
                rows.add(line);
            }
        }
        return rows;
    }

    @Test
    void theDocListsExactlyTheExtensionPointsWithTheirWordsAndKeys() throws IOException {
        List<String> documented = new ArrayList<>();
        for (String row : rowsUnder("## Extension points")) {
            Matcher m = ROW.matcher(row);
            assertThat(m.matches()).isTrue();
            String[] cells = m.group(2).split("\\|");
            documented.add(m.group(1) + " | " + cells[0].strip() + " | " + cells[1].strip());
        }
        List<String> actual = new ArrayList<>();
        for (Class<? extends KmemuExtension> point : ExtensionPoints.all()) {
            ExtensionPointInfo info = point.getAnnotation(ExtensionPointInfo.class);
            assertThat(info).as(point + " has @ExtensionPointInfo").isNotNull();
            actual.add(point.getName() + " | " + info.what() + " | `" + info.selectedBy() + "`");
        }
        assertThat(documented).as("the extension-point table of docs/extension-points.md").containsExactlyElementsOf(actual);
    }

    @Test
    void everyKmemuExtensionInterfaceIsAListedExtensionPoint() throws IOException {
        List<Class<?>> points = new ArrayList<>();
        for (Class<?> t : ApiSignatures.apiTypes()) {
            if (t.isInterface() && t != KmemuExtension.class && KmemuExtension.class.isAssignableFrom(t)) {
                points.add(t);
            }
        }
        assertThat(points).as("interfaces extending KmemuExtension").containsExactlyInAnyOrderElementsOf(ExtensionPoints.all());
    }

    @Test
    void theDocListsExactlyTheHostProvidedInterfaces() throws IOException {
        List<String> documented = rowsUnder("## What the core hands a plugin").stream()
                .map(r -> { Matcher m = ROW.matcher(r); m.matches(); return m.group(1); }).sorted().toList();
        List<String> actual = ApiSignatures.apiTypes().stream().filter(t -> t.isAnnotationPresent(HostProvided.class))
                .map(Class::getName).sorted().toList();
        assertThat(documented).containsExactlyElementsOf(actual);
    }
}
