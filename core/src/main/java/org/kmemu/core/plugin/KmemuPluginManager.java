package org.kmemu.core.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.pf4j.DefaultPluginManager;
import org.pf4j.PluginRepository;
import org.pf4j.PluginWrapper;
import org.pf4j.RuntimeMode;

/**
 * PF4J's plugin manager, told to keep a one-line reason for every plugin it cannot load instead of
 * only logging a stack trace. As in PF4J, a broken plugin does not stop the others from loading.
 *
 * <p>The manifest is judged here, before PF4J reads it, so that every refusal is kmemu's own line:
 * in particular a Plugin-Requires the host's plugin API version does not satisfy (PF4J would log a
 * warning and keep the plugin as DISABLED).
 */
final class KmemuPluginManager extends DefaultPluginManager {
    private final List<PluginProblem> problems = new ArrayList<>();

    /**
     * @param pluginsDirs   the directories of plugin jars, in the order they are searched
     * @param systemVersion the plugin API version this host provides (PF4J's system version)
     */
    KmemuPluginManager(List<Path> pluginsDirs, String systemVersion) {
        super(pluginsDirs);
        setSystemVersion(systemVersion);
    }

    @Override
    public RuntimeMode getRuntimeMode() {
        // Plugins are always jars in a directory, never a development tree of classes.
        return RuntimeMode.DEPLOYMENT;
    }

    /** Plugins are jars, found and ordered by {@link PluginJars}. */
    @Override
    protected PluginRepository createPluginRepository() {
        return new PluginJars(getPluginsRoots());
    }

    List<PluginProblem> problems() {
        return problems;
    }

    void addProblem(Path jar, String reason) {
        problems.add(new PluginProblem(jar, reason));
    }

    /**
     * Loads one jar, or records why not and returns null: {@code loadPlugins()}, the only caller
     * here, ignores the result, and a thrown exception would only make PF4J log a stack trace beside
     * the one line.
     */
    @Override
    protected PluginWrapper loadPluginFromPath(Path pluginPath) {
        String problem = manifestProblem(pluginPath);
        if (problem != null) {
            addProblem(pluginPath, problem);
            return null;
        }
        try {
            return super.loadPluginFromPath(pluginPath);
        } catch (RuntimeException e) {
            addProblem(pluginPath, "cannot load plugin: " + oneLine(e));
            return null;
        }
    }

    @Override
    protected boolean isPluginValid(PluginWrapper wrapper) {
        boolean valid = super.isPluginValid(wrapper);
        if (!valid) {
            // Not reached for a Plugin-Requires judged by requiresProblem; kept so that no refusal is silent.
            addProblem(wrapper.getPluginPath(), refusal(wrapper.getPluginId(), wrapper.getDescriptor().getRequires()));
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
            String requires = requiresProblem(id, manifest.getMainAttributes());
            if (requires != null) {
                return requires;
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

    /**
     * Checks Plugin-Requires as PF4J would ({@code AbstractPluginManager.isPluginValid}: no entry or
     * {@code *} accepts any version, a bare version means {@code >=} it), but with kmemu's wording.
     *
     * @return why this host's plugin API version does not satisfy the plugin's range, or null
     */
    private String requiresProblem(String id, Attributes manifest) {
        String declared = manifest.getValue("Plugin-Requires");
        if (declared == null || declared.isBlank() || declared.strip().equals("*")) {
            return null;
        }
        String range = declared.strip();
        if (!isExactVersionAllowed() && range.matches("^\\d+\\.\\d+\\.\\d+$")) {
            range = ">=" + range;
        }
        boolean satisfied;
        try {
            satisfied = getVersionManager().checkVersionConstraint(getSystemVersion(), range);
        } catch (RuntimeException e) {
            return "plugin '" + id + "': Plugin-Requires '" + declared.strip() + "' is not a version range: " + oneLine(e)
                    + " (expected: e.g. " + supportedRange() + ")";
        }
        if (satisfied) {
            return null;
        }
        return refusal(id, declared.strip());
    }

    private String refusal(String id, String requires) {
        return "plugin '" + id + "' requires kmemu plugin API " + requires + ", but this kmemu provides plugin API "
                + getSystemVersion() + " (expected: a plugin built against kmemu-api " + major(getSystemVersion())
                + ".x, whose Plugin-Requires " + getSystemVersion() + " satisfies, such as " + supportedRange() + ")";
    }

    /**
     * @return the widest range a plugin of this host's major line may declare, {@code >=X.0.0 & <(X+1).0.0}:
     *         minor versions only add (docs/extension-points.md), so a plugin built against any X.y loads
     */
    private String supportedRange() {
        int major = major(getSystemVersion());
        return ">=" + major + ".0.0 & <" + (major + 1) + ".0.0";
    }

    private static int major(String version) {
        int dot = version.indexOf('.');
        return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
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
