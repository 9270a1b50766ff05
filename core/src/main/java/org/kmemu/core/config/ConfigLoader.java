package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.kmemu.api.ConfigException;

/**
 * Loads a machine's configuration in layers, highest first:
 * <ol>
 *   <li>{@code -D key=value} overrides from the command line;</li>
 *   <li>the user's HOCON file ({@code -c FILE}), with its includes;</li>
 *   <li>each loaded plugin's own {@code reference.conf}, read from the plugin's jar;</li>
 *   <li>the core's {@code reference.conf}.</li>
 * </ol>
 * The user's layers (1 and 2) may only set keys under {@code kmemu} that some reference layer
 * defines: a misspelt key is an error that names its {@code file:line} and the keys that exist
 * there, not a silently ignored setting.
 *
 * <p>Loading happens in two steps because the plugins directory is itself configurable:
 * {@link #user(Path, Map)} reads the user's layers, the caller loads plugins from the directory they
 * name, then {@link UserConfig#resolve(List)} merges in the references and validates.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Reads the user's layers.
     *
     * @param file      the HOCON file, or null for none (core and plugin defaults only)
     * @param overrides {@code key=value} pairs from {@code -D}, in command-line order
     * @return the user's configuration, unresolved
     * @throws ConfigException if the file is missing or does not parse (the message names file and line)
     */
    public static UserConfig user(Path file, Map<String, String> overrides) {
        Config fromFile = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(file + ": no such config file");
            }
            try {
                // A bare name ("my.conf") has no parent directory, and the parser then looks for its includes
                // nowhere and skips them without a word: name the current directory ("./my.conf") instead.
                Path named = file.getParent() == null ? Path.of(".").resolve(file) : file;
                fromFile = ConfigFactory.parseFile(named.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (com.typesafe.config.ConfigException e) {
                throw translate(e);
            }
        }
        Config fromCommandLine = ConfigFactory.empty();
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            fromCommandLine = parseOverride(o.getKey(), o.getValue()).withFallback(fromCommandLine);
        }
        return new UserConfig(fromCommandLine, fromFile, file);
    }

    /**
     * Parses one HOCON file (with its includes) as the machine files are parsed, for the other files kmemu
     * reads (experiment files): the same file:line errors in plain words.
     *
     * @param file the file
     * @return its configuration, unresolved
     * @throws ConfigException if the file is missing or does not parse (the message names file and line)
     */
    public static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file + ": no such file");
        }
        try {
            Path named = file.getParent() == null ? Path.of(".").resolve(file) : file;
            return ConfigFactory.parseFile(named.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw translate(e);
        }
    }

    /** Rewrites the parser's "file: 3: Problem (advice)" as kmemu's "file:3: problem" in plain words. */
    static ConfigException translate(com.typesafe.config.ConfigException e) {
        return ParseErrors.translate(e);
    }

    private static Config parseOverride(String key, String value) {
        String origin = "command line (-D " + key + ")";
        try {
            Config c = ConfigFactory.parseString(key + " = " + value,
                    ConfigParseOptions.defaults().setOriginDescription(origin));
            if (c.hasPathOrNull(key)) {
                return c;
            }
        } catch (com.typesafe.config.ConfigException e) {
            // not a HOCON value: take it as a plain string below
        }
        try {
            return ConfigFactory.empty(origin).withValue(key, ConfigValueFactory.fromAnyRef(value, origin));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(origin + ": \"" + key + "\" is not a config path (expected: dotted keys such as kmemu.memory.size)", e);
        }
    }

    /**
     * Reads one {@code reference.conf} resource.
     *
     * @param url         where it is (inside a plugin jar, or the core's class path)
     * @param description how errors name it, e.g. "reference.conf of plugin i386"
     * @return the parsed layer
     */
    public static Config reference(URL url, String description) {
        // No cached connection: a jar: URL's cached JarFile is shared by every reader of that jar in the JVM and
        // closed with the plugin class loader that opened it, so one machine closing its plugins while another
        // (a parallel run, a Spark task) reads the same jar's reference.conf read "Stream closed".
        java.net.URLConnection connection;
        try {
            connection = url.openConnection();
        } catch (IOException e) {
            throw new ConfigException(description + ": cannot read " + url + ": " + e.getMessage(), e);
        }
        connection.setUseCaches(false);
        try (InputStream in = connection.getInputStream(); Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return ConfigFactory.parseReader(r, ConfigParseOptions.defaults().setOriginDescription(description));
        } catch (IOException e) {
            throw new ConfigException(description + ": cannot read " + url + ": " + e.getMessage(), e);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(description + ": " + e.getMessage(), e);
        }
    }

    /** @return the core's own reference.conf */
    public static Config coreReference() {
        URL url = ConfigLoader.class.getResource("/reference.conf");
        if (url == null) {
            throw new IllegalStateException("kmemu-core's reference.conf is not on the class path");
        }
        return reference(url, "kmemu-core reference.conf");
    }

    /** The user's layers, before plugins' defaults are known. */
    public static final class UserConfig {
        private final Config commandLine;
        private final Config file;
        private final Config user;
        private final Path fileName;

        UserConfig(Config commandLine, Config file, Path fileName) {
            this.commandLine = commandLine;
            this.file = file;
            this.fileName = fileName == null ? null : fileName.toAbsolutePath().normalize();
            this.user = commandLine.withFallback(file);
        }

        /**
         * Reads a key that must be known before plugins load (the plugins directory).
         *
         * @param path     an absolute path
         * @param fallback the value when the user does not set it
         * @return the user's string at {@code path}, or {@code fallback}
         */
        public String stringOr(String path, String fallback) {
            try {
                return user.hasPath(path) ? user.getString(path) : fallback;
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(Origins.of(user, path) + ": " + path + ": expected a string", e);
            }
        }

        /**
         * Reads a key that must be known before plugins load and may be one string or a list of
         * strings (the plugins directories).
         *
         * @param path     an absolute path
         * @param fallback the value when the user does not set it
         * @return the user's string as a one-element list, or the user's list, or {@code fallback}
         * @throws ConfigException naming where it was set if it is neither, or an empty list
         */
        public List<String> stringsOr(String path, List<String> fallback) {
            if (!user.hasPath(path)) {
                return fallback;
            }
            try {
                if (user.getValue(path).valueType() == com.typesafe.config.ConfigValueType.LIST) {
                    List<String> list = user.getStringList(path);
                    if (list.isEmpty()) {
                        throw new ConfigException(Origins.of(user, path) + ": " + path + ": an empty list (expected: at least one directory)");
                    }
                    return list;
                }
                return List.of(user.getString(path));
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(Origins.of(user, path) + ": " + path + ": expected a string or a list of strings", e);
            }
        }

        /**
         * @param path an absolute path
         * @return where the user set {@code path} ({@code file:line} or the command line), or null if not
         */
        public String originOf(String path) {
            return user.hasPathOrNull(path) ? Origins.describe(user.getValue(path).origin()) : null;
        }

        /**
         * Merges the reference layers under the user's, resolves substitutions and checks every
         * user key against the references.
         *
         * @param pluginReferences the reference.conf layers of the loaded plugins
         * @return the resolved configuration
         * @throws ConfigException for an unknown key or an unresolvable substitution
         */
        public ResolvedConfig resolve(List<Config> pluginReferences) {
            Config reference = coreReference();
            for (Config p : pluginReferences) {
                reference = p.withFallback(reference);
            }
            Config merged;
            try {
                merged = user.withFallback(reference).resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
                reference = reference.resolve();
            } catch (com.typesafe.config.ConfigException e) {
                throw translate(e);
            }
            checkKnownKeys(user, reference);
            checkMemorySizeIsUsed(merged);
            checkPluginKeysAreUsed(merged);
            return new ResolvedConfig(merged, reference);
        }

        /**
         * A non-empty {@code kmemu.memory.map} replaces {@code kmemu.memory.size}. A size set as close to
         * the user as the map (see {@link #rank}) would be silently ignored, so it is an error; a map set
         * closer than the size (a {@code -D} map over a machine file's size, or a file's map over the
         * machine file it includes) is the user replacing the size on purpose. The size is type-checked
         * first, wherever it is used.
         */
        private void checkMemorySizeIsUsed(Config merged) {
            int size = rank("kmemu.memory.size");
            if (size == 0) {
                return;
            }
            new TypesafeConfigView(merged, "kmemu").getBytes("memory.size");
            KeyUse.NotUsed why = KeyUse.notUsed(merged, "kmemu.memory.size");
            if (why != null && size >= rank(why.decidingKey())) {
                throw new ConfigException(Origins.of(merged, "kmemu.memory.size") + ": kmemu.memory.size: not used: " + why.why());
            }
        }

        /**
         * A user's key under {@code kmemu.arch.<id>} (or a policy's namespace) for a plugin the machine
         * does not select is ignored, so it is an error, unless the selection was set closer to the user
         * than the key (switching a machine file's architecture with {@code -D} leaves that file's
         * settings for its own architecture behind, on purpose).
         */
        private void checkPluginKeysAreUsed(Config merged) {
            if (!(user.root().get("kmemu") instanceof ConfigObject kmemu)) {
                return;
            }
            for (Map.Entry<String, ConfigValue> e : leaves("kmemu", kmemu).entrySet()) {
                if (e.getKey().equals("kmemu.memory.size")) {
                    continue; // checkMemorySizeIsUsed's
                }
                KeyUse.NotUsed why = KeyUse.notUsed(merged, e.getKey());
                if (why != null && rank(e.getKey()) >= rank(why.decidingKey())) {
                    throw new ConfigException(Origins.describe(e.getValue().origin()) + ": " + e.getKey() + ": not used: " + why.why());
                }
            }
        }

        /**
         * How close to the user {@code path} was set: 3 on the command line, 2 in the {@code -c} file
         * itself, 1 in a file it includes (a machine file it builds on), 0 only in a reference.conf.
         */
        private int rank(String path) {
            if (commandLine.hasPathOrNull(path)) {
                return 3;
            }
            if (!file.hasPathOrNull(path)) {
                return 0;
            }
            String where = file.getValue(path).origin().filename();
            return where != null && fileName != null && Path.of(where).toAbsolutePath().normalize().equals(fileName) ? 2 : 1;
        }
    }

    private static void checkKnownKeys(Config user, Config reference) {
        for (Map.Entry<String, ConfigValue> top : user.root().entrySet()) {
            if (!reference.root().containsKey(top.getKey())) {
                String path = leaves(top.getKey(), top.getValue()).keySet().iterator().next();
                throw new ConfigException(Origins.describe(top.getValue().origin()) + ": " + path + ": unknown key"
                        + expectedNear(reference, path));
            }
        }
        if (!user.hasPathOrNull("kmemu")) {
            return;
        }
        ConfigValue kmemu = user.root().get("kmemu");
        if (!(kmemu instanceof ConfigObject)) {
            throw new ConfigException(Origins.describe(kmemu.origin()) + ": kmemu: " + TypesafeConfigView.render(kmemu)
                    + " (expected: an object { ... })");
        }
        for (Map.Entry<String, ConfigValue> e : leaves("kmemu", (ConfigObject) kmemu).entrySet()) {
            String path = e.getKey();
            if (!reference.hasPathOrNull(path)) {
                throw new ConfigException(Origins.describe(e.getValue().origin()) + ": " + path + ": unknown key"
                        + expectedNear(reference, path));
            }
        }
    }

    /** The leaves under {@code value} at {@code path}: just {@code path} itself for a leaf or an empty object. */
    private static Map<String, ConfigValue> leaves(String path, ConfigValue value) {
        if (value instanceof ConfigObject obj && !obj.isEmpty()) {
            return leaves(path, obj);
        }
        Map<String, ConfigValue> one = new LinkedHashMap<>();
        one.put(path, value);
        return one;
    }

    /** The leaves of an object, by quoted-safe dotted path, in file order where the parser keeps it. */
    private static Map<String, ConfigValue> leaves(String prefix, ConfigObject obj) {
        Map<String, ConfigValue> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String path = prefix + "." + com.typesafe.config.ConfigUtil.quoteString(e.getKey()).replaceAll("^\"([A-Za-z0-9_-]+)\"$", "$1");
            if (e.getValue() instanceof ConfigObject child && !child.isEmpty()) {
                out.putAll(leaves(path, child));
            } else {
                out.put(path, e.getValue());
            }
        }
        return out;
    }

    /** " (expected one of: a, b, c)" listing the keys at the deepest existing parent of {@code path}. */
    private static String expectedNear(Config reference, String path) {
        List<String> parts = com.typesafe.config.ConfigUtil.splitPath(path);
        if (parts.size() >= 3 && parts.get(0).equals("kmemu") && PLUGIN_NAMESPACES.containsKey(parts.get(1))
                && !reference.hasPath("kmemu." + parts.get(1))) {
            // Not one plugin of that kind is loaded (an empty or wrong plugin directory): say so, not which
            // core keys exist.
            return " (no loaded plugin provides " + com.typesafe.config.ConfigUtil.joinPath(parts.subList(0, 3))
                    + ": no " + PLUGIN_NAMESPACES.get(parts.get(1)) + " plugin is loaded; check --plugins or"
                    + " kmemu.plugins.dir)";
        }
        for (int n = parts.size() - 1; n >= 0; n--) {
            ConfigObject obj;
            if (n == 0) {
                obj = reference.root();
            } else {
                String parent = com.typesafe.config.ConfigUtil.joinPath(parts.subList(0, n));
                if (!reference.hasPathOrNull(parent) || !(reference.getValue(parent) instanceof ConfigObject o)) {
                    continue;
                }
                obj = o;
            }
            String hint = "";
            String parent = n == 0 ? "" : com.typesafe.config.ConfigUtil.joinPath(parts.subList(0, n));
            if (parent.equals("kmemu.arch") || parent.equals("kmemu.page-allocator") || parent.equals("kmemu.object-allocator")) {
                hint = "; no loaded plugin provides " + com.typesafe.config.ConfigUtil.joinPath(parts.subList(0, n + 1));
            }
            String near = nearest(parts.get(n), obj.keySet());
            return " (expected one of: " + String.join(", ", new TreeSet<>(obj.keySet())) + hint + ")"
                    + (near == null ? "" : "; did you mean " + near + "?");
        }
        return "";
    }

    /** The plugin namespaces under kmemu and the kind of plugin each belongs to. */
    private static final java.util.Map<String, String> PLUGIN_NAMESPACES = java.util.Map.of(
            "arch", "architecture", "page-allocator", "page-allocator", "object-allocator", "object-allocator");

    /** The most edits a misspelling may be from a key for "did you mean" to suggest it. */
    static final int MAX_SUGGEST_DISTANCE = 2;

    /** @return the key of {@code keys} nearest to {@code word} if it is a near miss, else null */
    static String nearest(String word, java.util.Collection<String> keys) {
        String best = null;
        int bestDistance = MAX_SUGGEST_DISTANCE + 1;
        for (String k : new TreeSet<>(keys)) {
            int d = editDistance(word, k);
            if (d < bestDistance && d < Math.max(word.length(), k.length())) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    /**
     * Insertions, deletions, substitutions and swaps of two adjacent characters needed to turn
     * {@code a} into {@code b} (the optimal-string-alignment distance).
     */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
