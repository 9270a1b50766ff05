package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.kmemu.api.Architecture;

/** Plugin jars built in a test the way a third party builds one: javac against the api, a PF4J manifest. */
final class FakePlugins {
    private FakePlugins() {
    }

    static Manifest manifest(String id, String requires) {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Requires", requires);
        a.putValue("Plugin-Class", "org.pf4j.Plugin");
        return m;
    }

    /**
     * Compiles one extension class against kmemu-api and PF4J, with its META-INF/extensions.idx.
     *
     * @param className the class's simple name, in package org.example
     * @param source    the class's Java source
     * @return the directory of classes, for {@link #writeJar}
     */
    static Path compileExtension(String className, String source) throws IOException, URISyntaxException {
        Path src = Files.createTempDirectory("plugin-src");
        Path pkg = Files.createDirectories(src.resolve("org/example"));
        Files.writeString(pkg.resolve(className + ".java"), source);
        String cp = Path.of(Architecture.class.getProtectionDomain().getCodeSource().getLocation().toURI()) + java.io.File.pathSeparator
                + Path.of(org.pf4j.ExtensionPoint.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-proc:none", "-cp", cp, "-d", src.toString(), pkg.resolve(className + ".java").toString());
        assertThat(rc).isZero();
        Files.delete(pkg.resolve(className + ".java"));
        Path idx = Files.createDirectories(src.resolve("META-INF")).resolve("extensions.idx");
        Files.writeString(idx, "org.example." + className + "\n");
        return src;
    }

    static void writeJar(Path jar, Manifest manifest, List<Path> roots) throws IOException {
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(fo, manifest)) {
            for (Path root : roots) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(f).toString().replace('\\', '/')));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
            }
        }
    }
}
