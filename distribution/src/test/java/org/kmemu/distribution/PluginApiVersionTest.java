package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin-Requires through ./kmemu: a plugin built for api 2.x is refused with one line naming the
 * plugin, its jar, its range and the api version this kmemu provides; one built for api 1.x loads;
 * the shipped plugins keep working beside both.
 */
class PluginApiVersionTest {
    @TempDir
    static Path thirdParty;

    private static Path future;

    private static final String REFUSAL = "plugin 'riscv-next' requires kmemu plugin API >=2.0.0 & <3.0.0,"
            + " but this kmemu provides plugin API 1.2.0 (expected: a plugin built against kmemu-api 1.x,"
            + " whose Plugin-Requires 1.2.0 satisfies, such as >=1.0.0 & <2.0.0)";

    @BeforeAll
    static void buildThirdPartyPlugins() throws Exception {
        Path classes = FakePlugins.compileExtension("CountingArch", String.join("\n",
                "package org.example;",
                "@org.pf4j.Extension",
                "public class CountingArch implements org.kmemu.api.Architecture {",
                "  public String id() { return \"counting\"; }",
                "  public String description() { return \"a third party's architecture\"; }",
                "  public org.kmemu.api.ArchSpec configure(org.kmemu.api.ConfigView c) { return null; }",
                "}"));
        future = thirdParty.resolve("riscv-next-2.0.0.jar");
        FakePlugins.writeJar(future, FakePlugins.manifest("riscv-next", ">=2.0.0 & <3.0.0"), List.of(classes));
        Path current = Files.createDirectories(thirdParty.resolve("current"));
        FakePlugins.writeJar(current.resolve("counting-1.0.0.jar"), FakePlugins.manifest("counting", ">=1.0.0 & <2.0.0"), List.of(classes));
    }

    private static List<String> errorLines(Launcher.Result r) {
        return r.stderr().lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void pluginsShowsTheOneLineForAPluginBuiltForApi2AndListsTheShippedOnes() {
        Launcher.Result r = Launcher.run("--plugins", Launcher.DIST.resolve("plugins").toString(), "--plugins", thirdParty.toString(), "plugins");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(errorLines(r)).as(r.toString()).containsExactly("kmemu: plugin error: " + future + ": " + REFUSAL);
        assertThat(r.stdout()).contains("plugin API 1.2.0", "  x86_64 ", "  buddy ", "  slub ").doesNotContain("riscv-next", "counting");
    }

    @Test
    void bootShowsTheOneLineAndBootsWithTheShippedPlugins() {
        Launcher.Result r = Launcher.run("boot", "-c", "config/machines/x86_64.conf",
                "--plugins", Launcher.DIST.resolve("plugins").toString(), "--plugins", thirdParty.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Zone ranges:");
        assertThat(errorLines(r)).as(r.toString()).containsExactly("kmemu: plugin error: " + future + ": " + REFUSAL);
    }

    /** Built against api 1.0.0, an older minor than this kmemu's 1.2.0: it loads (docs/extension-points.md). */
    @Test
    void aPluginBuiltAgainstAnOlderMinorLoadsBesideTheShippedOnes() {
        Launcher.Result r = Launcher.run("plugins", "--plugins", Launcher.DIST.resolve("plugins").toString(),
                "--plugins", thirdParty.resolve("current").toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        assertThat(r.stdout()).containsPattern("(?m)^  counting +1\\.0\\.0 +STARTED +requires >=1\\.0\\.0 & <2\\.0\\.0 ")
                .contains("  counting   a third party's architecture [plugin counting]");
    }
}
