package org.kmemu.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/plugins.md says what CI does: its archetype:generate and build commands are the invoker's
 * (src/it/archetype/firstfit/invoker.properties), and the one-line errors it quotes are what kmemu
 * prints for those mistakes, made here on the jar CI built from the archetype.
 */
class GuideTest {
    private static final Path IT = Paths.get("src/it/archetype/firstfit");

    private final Guide guide = new Guide();

    /** The invoker's properties with ${...} filled in as maven-invoker-plugin does. */
    private static Properties invokerProperties() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(IT.resolve("invoker.properties"))) {
            p.load(r);
        }
        Properties out = new Properties();
        for (String key : p.stringPropertyNames()) {
            out.setProperty(key, p.getProperty(key)
                    .replace("${archetype-plugin.version}", System.getProperty("archetype-plugin.version"))
                    .replace("${project.version}", System.getProperty("project.version")));
        }
        return out;
    }

    @Test
    void generateAndBuildAreTheCommandsCiRuns() throws IOException {
        Properties p = invokerProperties();
        List<String> commands = guide.commands();
        assertThat(commands).as("docs/plugins.md generates the project as kit-it does")
                .contains("mvn -B -ntp " + p.getProperty("invoker.goals.1").trim());
        int cd = commands.indexOf("cd " + p.getProperty("invoker.project.2").trim());
        assertThat(cd).as("docs/plugins.md enters the generated project").isNotNegative();
        assertThat(commands.get(cd + 1)).as("and builds it as kit-it does")
                .isEqualTo("mvn -B -ntp " + p.getProperty("invoker.goals.2").trim());
    }

    @Test
    void theArchetypeIsPackagedWithThePluginVersionTheGuideRuns() throws IOException {
        String archetypePom = Files.readString(Launcher.ROOT.resolve("archetype/pom.xml"));
        assertThat(archetypePom).as("archetype/pom.xml and kit-it/pom.xml name one maven-archetype-plugin version")
                .contains("<archetype-plugin.version>" + System.getProperty("archetype-plugin.version") + "</archetype-plugin.version>");
    }

    @Test
    void installCommandInstallsWhatTheGeneratedProjectNeeds() {
        // kit-it's invoker:install puts kmemu-api, kmemu-tck (with kmemu-core) and the archetype in its
        // repository; from a checkout, -am builds api and core for tck.
        assertThat(guide.commands()).contains("mvn -B -ntp install -DskipTests -pl tck,archetype -am");
    }

    @Test
    void readmesWritingAPluginSectionRunsTheGuidesCommands() throws IOException {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        int from = readme.indexOf("## Writing a plugin");
        assertThat(from).as("README.md has a section \"Writing a plugin\"").isNotNegative();
        String section = readme.substring(from, readme.indexOf("\n## ", from + 1));
        // Shell lines: continuations joined, trailing comments dropped.
        List<String> commands = new ArrayList<>();
        for (String line : section.replaceAll("\\\\\n\\s*", "").split("\n")) {
            String cmd = line.replaceFirst("\\s+#.*$", "").trim();
            if (cmd.startsWith("mvn ")) {
                commands.add(cmd);
            }
        }
        List<String> expected = guide.commands().stream().filter(l -> l.startsWith("mvn ") && !l.endsWith(" verify")).toList();
        assertThat(commands).as("README's commands are the guide's install and generate").isEqualTo(expected);
    }

    @Test
    void troubleshootingQuotesWhatKmemuPrints(@TempDir Path tmp) throws Exception {
        Path good = new PluginBuild(ArchetypeProjectTest.PROJECT).pluginJar();
        String name = good.getFileName().toString();
        List<String> printed = new ArrayList<>();

        // 1. No PF4J entries in the manifest.
        Manifest bare = new Manifest();
        bare.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        printed.add(errorFor(tmp.resolve("no-manifest"), name, jar -> rewrite(good, jar, bare, null)));

        // 2. Plugin-Requires of the next major version.
        int major = Integer.parseInt(System.getProperty("kmemu.api.version").split("[.-]")[0]);
        Manifest next = PluginBuild.manifest(good);
        next.getMainAttributes().putValue("Plugin-Requires", ">=" + (major + 1) + ".0.0 & <" + (major + 2) + ".0.0");
        printed.add(errorFor(tmp.resolve("next-major"), name, jar -> rewrite(good, jar, next, null)));

        // 3. The policy class with a constructor that takes an argument, and none without.
        Path classes = compileWithoutNoArgConstructor(tmp.resolve("classes"));
        printed.add(errorFor(tmp.resolve("no-ctor"), name, jar -> rewrite(good, jar, PluginBuild.manifest(good), classes)));

        assertThat(guide.pluginErrors().stream().map(GuideTest::masked).toList())
                .as("docs/plugins.md, Troubleshooting: the lines kmemu prints (versions aside)")
                .containsExactlyElementsOf(printed.stream().map(GuideTest::masked).toList());
    }

    /** Versions differ between the guide and the build; the wording must not. */
    private static String masked(String line) {
        return line.replaceAll("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?", "X.Y.Z").replaceAll("\\b\\d+\\.x\\b", "X.x");
    }

    private interface JarWriter {
        void write(Path jar) throws IOException;
    }

    /** Runs {@code kmemu plugins} on the shipped plugins plus one broken jar; returns its one error line. */
    private static String errorFor(Path dir, String jarName, JarWriter writer) throws IOException {
        Files.createDirectories(dir);
        Launcher.pluginDir(dir);
        writer.write(dir.resolve(jarName));
        Launcher.Result r = Launcher.run(List.of("plugins", "--plugins", dir.toString()));
        List<String> errors = r.stderr().lines().filter(l -> l.startsWith("kmemu: plugin error: ")).toList();
        assertThat(errors).as("%s", r).hasSize(1);
        assertThat(r.stderr().lines()).as("one line, no stack trace: %s", r).hasSize(1);
        return errors.get(0).replace(dir.toString(), Guide.PLUGIN_DIR);
    }

    /** Copies the jar with another manifest and, if given, the classes under {@code classes} in place of its own. */
    private static void rewrite(Path from, Path to, Manifest manifest, Path classes) throws IOException {
        try (JarFile in = new JarFile(from.toFile());
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(to), manifest)) {
            for (JarEntry e : in.stream().toList()) {
                String n = e.getName();
                if (n.equals("META-INF/MANIFEST.MF") || n.endsWith("/")
                        || classes != null && Files.exists(classes.resolve(n))) {
                    continue;
                }
                out.putNextEntry(new JarEntry(n));
                in.getInputStream(e).transferTo(out);
            }
            if (classes != null) {
                try (var files = Files.walk(classes)) {
                    for (Path c : files.filter(Files::isRegularFile).toList()) {
                        out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                        Files.copy(c, (OutputStream) out);
                    }
                }
            }
        }
    }

    private static Path compileWithoutNoArgConstructor(Path out) throws IOException {
        Path src = out.resolveSibling("src/com/example/firstfit/FirstFitPolicy.java");
        Files.createDirectories(src.getParent());
        Files.createDirectories(out);
        Files.writeString(src, """
                package com.example.firstfit;

                import org.kmemu.api.PageAllocator;
                import org.kmemu.api.PageAllocatorContext;
                import org.kmemu.api.PageAllocatorPolicy;

                public final class FirstFitPolicy implements PageAllocatorPolicy {
                    private final String id;

                    public FirstFitPolicy(String id) {
                        this.id = id;
                    }

                    public String id() {
                        return id;
                    }

                    public String description() {
                        return "a policy PF4J cannot create";
                    }

                    public PageAllocator create(PageAllocatorContext context) {
                        throw new UnsupportedOperationException();
                    }
                }
                """);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-proc:none", "-d", out.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).as("javac").isZero();
        return out;
    }
}
