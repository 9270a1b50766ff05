package org.kmemu.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A real plugin jar holding {@link ChurnWorkload}: its PF4J manifest, its extensions.idx and its classes'
 * bytes, so that it loads in a JVM whose class path does not have them (spark-submit's, in JobJarIT).
 */
final class TestPlugins {
    private TestPlugins() {
    }

    /** @return a directory holding the churn plugin's jar */
    static Path churnPlugin(Path dir) throws IOException {
        Path plugins = Files.createDirectories(dir.resolve("test-plugins"));
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", "spark-test-churn");
        a.putValue("Plugin-Version", "1.0.0");
        a.putValue("Plugin-Requires", ">=1.2.0 & <2.0.0");
        a.putValue("Plugin-Class", "org.pf4j.Plugin");
        try (OutputStream fo = Files.newOutputStream(plugins.resolve("spark-test-churn.jar"));
             JarOutputStream out = new JarOutputStream(fo, m)) {
            out.putNextEntry(new JarEntry("META-INF/extensions.idx"));
            out.write((ChurnWorkload.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            for (String c : List.of("ChurnWorkload", "ChurnWorkload$1")) {
                String name = "org/kmemu/spark/" + c + ".class";
                try (InputStream in = TestPlugins.class.getClassLoader().getResourceAsStream(name)) {
                    if (in == null) {
                        throw new IllegalStateException("no class file " + name + " on the test class path");
                    }
                    out.putNextEntry(new JarEntry(name));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return plugins;
    }
}
