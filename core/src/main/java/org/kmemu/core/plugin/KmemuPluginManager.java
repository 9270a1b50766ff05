package org.kmemu.core.plugin;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginRepository;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;

/**
 * PF4J's plugin manager, told to keep a one-line reason for every plugin it cannot load instead of
 * only logging a stack trace. As in PF4J, a broken plugin does not stop the others from loading.
 */
final class KmemuPluginManager extends DefaultPluginManager {
    private final List<PluginProblem> problems = new ArrayList<>();

    KmemuPluginManager(Path pluginsDir, String systemVersion) {
        super(pluginsDir);
        setSystemVersion(systemVersion);
    }

    @Override
    public RuntimeMode getRuntimeMode() {
        // Plugins are always jars in a directory, never a development tree of classes.
        return RuntimeMode.DEPLOYMENT;
    }

    /**
     * Plugins are jars, loaded in file-name order so that a run is the same on every machine (which
     * of two jars with one id wins must not depend on the directory's order on disk).
     */
    @Override
    protected PluginRepository createPluginRepository() {
        JarPluginRepository jars = new JarPluginRepository(getPluginsRoots());
        jars.setComparator(Comparator.comparing(File::getName));
        return jars;
    }

    List<PluginProblem> problems() {
        return problems;
    }

    void addProblem(Path jar, String reason) {
        problems.add(new PluginProblem(jar, reason));
    }

    @Override
    protected PluginWrapper loadPluginFromPath(Path pluginPath) {
        String problem = manifestProblem(pluginPath);
        if (problem != null) {
            addProblem(pluginPath, problem);
            throw new PluginRuntimeException(problem);
        }
        try {
            return super.loadPluginFromPath(pluginPath);
        } catch (RuntimeException e) {
            addProblem(pluginPath, "cannot load plugin: " + oneLine(e));
            throw e;
        }
    }

    @Override
    protected boolean isPluginValid(PluginWrapper wrapper) {
        boolean valid = super.isPluginValid(wrapper);
        if (!valid) {
            addProblem(wrapper.getPluginPath(), "plugin '" + wrapper.getPluginId() + "' requires kmemu "
                    + wrapper.getDescriptor().getRequires() + ", but this kmemu is " + getSystemVersion()
                    + " (expected: a Plugin-Requires this version satisfies)");
        }
        return valid;
    }

    /**
     * @return why {@code path} cannot be loaded as judged from its manifest (not a plugin, no version,
     *         an id already taken), or null when PF4J may go ahead
     */
    private String manifestProblem(Path path) {
        if (!Files.isRegularFile(path) || !path.toString().endsWith(".jar")) {
            return null;
        }
        try (JarFile jar = new JarFile(path.toFile())) {
            Manifest manifest = jar.getManifest();
            if (manifest == null) {
                return "not a plugin: the jar has no META-INF/MANIFEST.MF (expected: Plugin-Id, Plugin-Version, Plugin-Requires)";
            }
            String id = manifest.getMainAttributes().getValue("Plugin-Id");
            if (id == null || id.isBlank()) {
                return "not a plugin: META-INF/MANIFEST.MF has no Plugin-Id (expected: Plugin-Id, Plugin-Version, Plugin-Requires)";
            }
            String version = manifest.getMainAttributes().getValue("Plugin-Version");
            if (version == null || version.isBlank()) {
                return "plugin '" + id + "': META-INF/MANIFEST.MF has no Plugin-Version (expected: a semantic version such as 1.0.0)";
            }
            PluginWrapper loaded = getPlugin(id);
            if (loaded != null) {
                return "plugin id '" + id + "' is already loaded from " + loaded.getPluginPath()
                        + " (expected: one jar per plugin id)";
            }
            return null;
        } catch (IOException e) {
            return "not a readable jar: " + e.getMessage();
        }
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return msg.replace('\n', ' ');
    }
}
