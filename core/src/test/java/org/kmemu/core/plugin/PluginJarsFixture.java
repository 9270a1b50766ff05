package org.kmemu.core.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Writes plugin jars for the host's tests: a PF4J manifest and, optionally, an extensions.idx naming
 * a class of this test class path (PF4J's plugin class loader finds it through its parent).
 */
final class PluginJarsFixture {
    private PluginJarsFixture() {
    }

    static Path pluginJar(Path jar, String id, String requires, Class<?> extension) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "1.0.0");
        if (requires != null) {
            a.putValue("Plugin-Requires", requires);
        }
        a.putValue("Plugin-Class", "org.pf4j.Plugin");
        try (OutputStream fo = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(fo, m)) {
            if (extension != null) {
                out.putNextEntry(new JarEntry("META-INF/extensions.idx"));
                out.write((extension.getName() + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }

    static Path plainJar(Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("readme.txt"));
            out.write("not a plugin".getBytes(StandardCharsets.UTF_8));
        }
        return jar;
    }
}
