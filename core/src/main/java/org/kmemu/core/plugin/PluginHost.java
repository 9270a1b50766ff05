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
import java.util.function.Function;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ObjectAllocatorPolicy;
import org.kmemu.api.PageAllocatorPolicy;
import org.kmemu.core.config.ConfigLoader;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;

/**
 * Loads kmemu's plugins with PF4J from one directory and hands out their extensions.
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
    private final List<Extension<Architecture>> architectures;
    private final List<Extension<PageAllocatorPolicy>> pageAllocators;
    private final List<Extension<ObjectAllocatorPolicy>> objectAllocators;

    /**
     * An extension instance with the plugin that provides it.
     *
     * @param id       the extension's own id ({@link Architecture#id()} ...)
     * @param plugin   the providing plugin's id
     * @param instance the extension
     * @param <T>      the extension point
     */
    public record Extension<T>(String id, String plugin, T instance) {
    }

    private PluginHost(KmemuPluginManager manager) {
        this.manager = manager;
        this.architectures = instantiate(Architecture.class, Architecture::id);
        this.pageAllocators = instantiate(PageAllocatorPolicy.class, PageAllocatorPolicy::id);
        this.objectAllocators = instantiate(ObjectAllocatorPolicy.class, ObjectAllocatorPolicy::id);
    }

    /**
     * Loads and starts every plugin in {@code dir}.
     *
     * @param dir the plugins directory
     * @return the host
     * @throws ConfigException if {@code dir} is not a directory
     */
    public static PluginHost load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("kmemu.plugins.dir: " + dir + " is not a directory (expected: the directory holding plugin jars)");
        }
        KmemuPluginManager manager = new KmemuPluginManager(dir, systemVersion());
        manager.loadPlugins();
        manager.startPlugins();
        for (PluginWrapper w : manager.getPlugins()) {
            if (w.getPluginState() == PluginState.FAILED) {
                Throwable t = w.getFailedException();
                manager.addProblem(w.getPluginPath(), "plugin '" + w.getPluginId() + "' failed to start: "
                        + (t != null ? KmemuPluginManager.oneLine(t) : "unknown reason"));
            }
        }
        return new PluginHost(manager);
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

    private <T> List<Extension<T>> instantiate(Class<T> type, Function<T, String> idOf) {
        List<Extension<T>> out = new ArrayList<>();
        for (PluginWrapper w : manager.getStartedPlugins()) {
            for (Class<? extends T> cls : manager.getExtensionClasses(type, w.getPluginId())) {
                try {
                    T instance = cls.getDeclaredConstructor().newInstance();
                    out.add(new Extension<>(idOf.apply(instance), w.getPluginId(), instance));
                } catch (InvocationTargetException e) {
                    manager.addProblem(w.getPluginPath(), "extension " + cls.getName() + " (" + type.getSimpleName()
                            + ") failed in its constructor: " + KmemuPluginManager.oneLine(e.getCause()));
                } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                    manager.addProblem(w.getPluginPath(), "extension " + cls.getName() + " (" + type.getSimpleName()
                            + ") cannot be created: " + KmemuPluginManager.oneLine(e) + " (expected: a public no-argument constructor)");
                }
            }
        }
        return out;
    }

    /** @return every plugin that could not be used, one line each */
    public List<PluginProblem> problems() {
        return List.copyOf(manager.problems());
    }

    /** @return the architectures provided by working plugins */
    public List<Extension<Architecture>> architectures() {
        return architectures;
    }

    /** @return the page allocator policies provided by working plugins */
    public List<Extension<PageAllocatorPolicy>> pageAllocators() {
        return pageAllocators;
    }

    /**
     * @param id     the id a config selects, {@code kmemu.machine.arch}
     * @param origin where the config set it
     * @return the architecture
     * @throws ConfigException listing the loaded ids if none has {@code id}
     */
    public Architecture architecture(String id, String origin) {
        return select(architectures, id, origin, "kmemu.machine.arch", "architecture");
    }

    /**
     * @param id     the id a config selects, {@code kmemu.machine.page-allocator}
     * @param origin where the config set it
     * @return the policy
     * @throws ConfigException listing the loaded ids if none has {@code id}
     */
    public PageAllocatorPolicy pageAllocator(String id, String origin) {
        return select(pageAllocators, id, origin, "kmemu.machine.page-allocator", "page allocator");
    }

    /**
     * @param id     the id a config selects, {@code kmemu.machine.object-allocator}
     * @param origin where the config set it
     * @return the policy
     * @throws ConfigException listing the loaded ids if none has {@code id}
     */
    public ObjectAllocatorPolicy objectAllocator(String id, String origin) {
        return select(objectAllocators, id, origin, "kmemu.machine.object-allocator", "object allocator");
    }

    private <T> T select(List<Extension<T>> found, String id, String origin, String key, String what) {
        TreeSet<String> ids = new TreeSet<>();
        for (Extension<T> e : found) {
            if (e.id().equals(id)) {
                return e.instance();
            }
            ids.add(e.id());
        }
        throw new ConfigException(origin + ": " + key + ": no loaded plugin provides the " + what + " \"" + id + "\" (expected one of: "
                + (ids.isEmpty() ? "none loaded from " + manager.getPluginsRoot() : String.join(", ", ids)) + ")");
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

    /** @return every plugin PF4J knows, with its state and extensions, by plugin id */
    public List<LoadedPlugin> plugins() {
        List<LoadedPlugin> out = new ArrayList<>();
        List<PluginWrapper> wrappers = new ArrayList<>(manager.getPlugins());
        wrappers.sort(java.util.Comparator.comparing(PluginWrapper::getPluginId));
        for (PluginWrapper w : wrappers) {
            List<String> ext = new ArrayList<>();
            for (Extension<Architecture> a : architectures) {
                if (a.plugin().equals(w.getPluginId())) {
                    ext.add("Architecture " + a.id() + ": " + a.instance().description());
                }
            }
            for (Extension<PageAllocatorPolicy> p : pageAllocators) {
                if (p.plugin().equals(w.getPluginId())) {
                    ext.add("PageAllocatorPolicy " + p.id() + ": " + p.instance().description());
                }
            }
            for (Extension<ObjectAllocatorPolicy> o : objectAllocators) {
                if (o.plugin().equals(w.getPluginId())) {
                    ext.add("ObjectAllocatorPolicy " + o.id() + ": " + o.instance().description());
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
