package org.kmemu.core.plugin;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeSet;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ExtensionPointInfo;
import org.kmemu.api.ExtensionPoints;
import org.kmemu.api.KmemuExtension;
import org.kmemu.core.config.ConfigLoader;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads kmemu's plugins with PF4J from one or more directories and hands out their extensions,
 * kept in an {@link ExtensionRegistry} keyed by extension point ({@link ExtensionPoints#all()}).
 *
 * <p>Every plugin that cannot be used, for whatever reason (no manifest, a Plugin-Requires this
 * kmemu does not satisfy, a duplicate id, a class that fails to load, an extension whose constructor
 * throws), becomes one {@link PluginProblem} naming the jar; the others keep working. Only when a
 * config selects something no working plugin provides does the run stop, with a message listing the
 * ids that are loaded.
 *
 * <p>Made and used on the main thread at start-up.
 */
public final class PluginHost implements AutoCloseable {
    private final KmemuPluginManager manager;
    private final ExtensionRegistry registry = new ExtensionRegistry();

    private PluginHost(KmemuPluginManager manager, List<Class<? extends KmemuExtension>> points) {
        this.manager = manager;
        for (Class<? extends KmemuExtension> point : points) {
            registry.addPoint(point);
            registry.addBuiltIns(point);
            instantiate(point);
        }
    }

    /**
     * Loads and starts every plugin in {@code dir}.
     *
     * @param dir the plugins directory
     * @return the host
     * @throws ConfigException if {@code dir} is not a directory
     */
    public static PluginHost load(Path dir) {
        return load(List.of(dir));
    }

    /**
     * Loads and starts every plugin in {@code dirs}, directory by directory; a plugin id found twice
     * is loaded from the first jar (in that order, then by file name) and the other is a problem.
     *
     * @param dirs the plugins directories, at least one
     * @return the host
     * @throws ConfigException if one of {@code dirs} is not a directory
     */
    public static PluginHost load(List<Path> dirs) {
        return load(dirs, systemVersion(), ExtensionPoints.all());
    }

    /**
     * @param dirs          the plugins directories
     * @param systemVersion the plugin API version to check Plugin-Requires against
     * @param points        the extension points to load extensions of
     * @return the host
     */
    static PluginHost load(List<Path> dirs, String systemVersion, List<Class<? extends KmemuExtension>> points) {
        if (dirs.isEmpty()) {
            throw new IllegalArgumentException("no plugins directory");
        }
        List<Path> roots = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                throw new ConfigException("kmemu.plugins.dir: " + dir + " is not a directory (expected: the directory holding plugin jars)");
            }
            Path normal = dir.toAbsolutePath().normalize();
            if (!roots.contains(normal)) {
                roots.add(normal); // the same directory given twice is searched once, not reported as duplicates
            }
        }
        KmemuPluginManager manager = new KmemuPluginManager(roots, systemVersion);
        manager.loadPlugins();
        manager.startPlugins();
        for (PluginWrapper w : manager.getPlugins()) {
            if (w.getPluginState() == PluginState.FAILED) {
                Throwable t = w.getFailedException();
                manager.addProblem(w.getPluginPath(), "plugin '" + w.getPluginId() + "' failed to start: "
                        + (t != null ? KmemuPluginManager.oneLine(t) : "unknown reason"));
            }
        }
        return new PluginHost(manager, points);
    }

    /** @return the version plugins' Plugin-Requires is checked against */
    public static String systemVersion() {
        return versionProperty("system.version");
    }

    /** @return kmemu's own version */
    public static String projectVersion() {
        return versionProperty("project.version");
    }

    private static String versionProperty(String key) {
        try (InputStream in = PluginHost.class.getResourceAsStream("/org/kmemu/core/version.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("kmemu-core is built without version.properties", e);
        }
    }

    private <T extends KmemuExtension> void instantiate(Class<T> point) {
        for (PluginWrapper w : manager.getStartedPlugins()) {
            for (Class<? extends T> cls : manager.getExtensionClasses(point, w.getPluginId())) {
                try {
                    T instance = cls.getDeclaredConstructor().newInstance();
                    if (registry.isBuiltIn(point, instance.id())) {
                        // The built-in comes first in the registry and would always win: say so instead of ignoring it silently.
                        manager.addProblem(w.getPluginPath(), "extension " + cls.getName() + " (" + point.getSimpleName() + ") has the id \""
                                + instance.id() + "\" of kmemu's built-in " + ExtensionRegistry.info(point).what() + "; it is not loaded"
                                + " (expected: another id)");
                        continue;
                    }
                    registry.add(point, new ExtensionRegistry.Extension<>(instance.id(), w.getPluginId(), instance));
                } catch (InvocationTargetException e) {
                    manager.addProblem(w.getPluginPath(), "extension " + cls.getName() + " (" + point.getSimpleName()
                            + ") failed in its constructor: " + KmemuPluginManager.oneLine(e.getCause()));
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    manager.addProblem(w.getPluginPath(), "extension " + cls.getName() + " (" + point.getSimpleName()
                            + ") cannot be created: " + KmemuPluginManager.oneLine(e) + " (expected: a public no-argument constructor)");
                }
            }
        }
    }

    /** @return every plugin that could not be used, one line each */
    public List<PluginProblem> problems() {
        return List.copyOf(manager.problems());
    }

    /** @return the loaded extensions by extension point */
    public ExtensionRegistry registry() {
        return registry;
    }

    /** @return the directories plugins were loaded from, in search order */
    public List<Path> directories() {
        return List.copyOf(manager.getPluginsRoots());
    }

    /**
     * The extension a config selects.
     *
     * @param point  the extension point
     * @param id     the id the config gives, at the point's {@link ExtensionPointInfo#selectedBy()}
     * @param origin where the config set it
     * @param <T>    the extension point
     * @return the extension
     * @throws ConfigException listing the loaded ids if none has {@code id}
     */
    public <T extends KmemuExtension> T select(Class<T> point, String id, String origin) {
        TreeSet<String> ids = new TreeSet<>();
        for (ExtensionRegistry.Extension<T> e : registry.extensions(point)) {
            if (e.id().equals(id)) {
                return e.instance();
            }
            ids.add(e.id());
        }
        ExtensionPointInfo info = ExtensionRegistry.info(point);
        throw new ConfigException(origin + ": " + info.selectedBy() + ": no loaded plugin provides the " + info.what() + " \"" + id
                + "\" (expected one of: " + (ids.isEmpty() ? "none loaded from " + roots() : String.join(", ", ids)) + ")");
    }

    private String roots() {
        return manager.getPluginsRoots().stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "));
    }

    /**
     * @return each working plugin's own {@code reference.conf}, read from its jar through its class
     *         loader (not the parent's, so the core's own defaults are not read twice)
     */
    public List<Config> referenceConfigs() {
        List<Config> out = new ArrayList<>();
        for (PluginWrapper w : manager.getStartedPlugins()) {
            ClassLoader cl = w.getPluginClassLoader();
            URL url = cl instanceof URLClassLoader u ? u.findResource("reference.conf") : null;
            if (url != null) {
                out.add(ConfigLoader.reference(url, "reference.conf of plugin " + w.getPluginId() + " (" + w.getPluginPath() + ")"));
            }
        }
        return out;
    }

    /**
     * @return every plugin PF4J loaded (those refused before loading are {@link #problems()}), with
     *         its state and its extensions, by plugin id
     */
    public List<LoadedPlugin> plugins() {
        List<LoadedPlugin> out = new ArrayList<>();
        List<PluginWrapper> wrappers = new ArrayList<>(manager.getPlugins());
        wrappers.sort(java.util.Comparator.comparing(PluginWrapper::getPluginId));
        for (PluginWrapper w : wrappers) {
            List<String> ext = new ArrayList<>();
            for (Class<? extends KmemuExtension> point : registry.points()) {
                for (ExtensionRegistry.Extension<?> e : registry.extensions(point)) {
                    if (e.plugin().equals(w.getPluginId())) {
                        ext.add(point.getSimpleName() + " " + e.id() + ": " + e.instance().description());
                    }
                }
            }
            out.add(new LoadedPlugin(w.getPluginId(), w.getDescriptor().getVersion(), w.getDescriptor().getRequires(),
                    w.getPluginPath(), w.getPluginState().toString(), ext));
        }
        return out;
    }

    @Override
    public void close() {
        manager.stopPlugins();
        manager.unloadPlugins();
    }
}
