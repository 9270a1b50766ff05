package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes a resolved configuration as a complete machine file: HOCON that {@link ConfigLoader} reads back
 * into the same machine, for {@code kmemu config}.
 *
 * <p>Complete means every key the machine reads, defaults included, so that the file does not depend on
 * the reference.conf files of the kmemu that reads it; the plugin directory is the one actually used, as
 * an absolute path. Each value carries where it was set as a trailing comment ({@code file:line},
 * {@code plugin x86_64 reference.conf:5}, {@code command line (-D kmemu.cpus)}).
 *
 * <p>Keys the machine does not read ({@link KeyUse}: the size beside a memory map, the settings of
 * plugins it does not select) are left out, with a comment saying why, where they would stand: printed,
 * they would make the file fail the very check that refuses an ignored key, since everything in it is set
 * by the same file.
 *
 * <p>Keys appear in the order of the reference.conf that defines them (the core's first), so the file
 * reads like the commented defaults.
 */
final class MachineFile {
    private static final String INDENT = "  ";
    /** A key or string that HOCON reads back as the same string without quotes. */
    private static final Pattern BARE = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");
    /** How PluginHost names a plugin's reference.conf: "reference.conf of plugin ID (JAR)". */
    private static final Pattern PLUGIN_REFERENCE = Pattern.compile("reference\\.conf of plugin (\\S+) \\([^)]*\\)");

    private final Config merged;
    private final Config reference;
    private final Map<String, String[]> replaced;
    private final StringBuilder out = new StringBuilder();

    private MachineFile(Config merged, Config reference, Map<String, String[]> replaced) {
        this.merged = merged;
        this.reference = reference;
        this.replaced = replaced;
    }

    /**
     * @param merged    the resolved configuration, every layer
     * @param reference the resolved reference layers alone (core and plugins), for the order of keys
     * @param replaced  leaves whose value the run did not take from {@code merged}, by path: the value to
     *                  print as HOCON text and its origin (the plugin directory given by {@code --plugins})
     * @return the machine file
     */
    static String render(Config merged, Config reference, Map<String, String[]> replaced) {
        MachineFile f = new MachineFile(merged, reference, replaced);
        f.out.append("# The machine as kmemu configures it: every key it reads, each with where it was set.\n");
        f.out.append("# `kmemu boot -c THIS_FILE` boots the same machine.\n");
        f.object("kmemu", merged.getObject("kmemu"), 0);
        return f.out.toString();
    }

    private void object(String path, ConfigObject obj, int depth) {
        String pad = INDENT.repeat(depth);
        out.append(pad).append(key(last(path))).append(" {\n");
        Map<String, List<String>> unused = new LinkedHashMap<>();
        for (String child : ordered(path, obj)) {
            String childPath = path + "." + key(child);
            KeyUse.NotUsed why = KeyUse.notUsed(merged, childPath);
            if (why != null) {
                unused.computeIfAbsent(why.why(), w -> new ArrayList<>()).add(child);
                continue;
            }
            ConfigValue v = obj.get(child);
            if (v instanceof ConfigObject o && !o.isEmpty()) {
                object(childPath, o, depth + 1);
            } else {
                leaf(childPath, v, depth + 1);
            }
        }
        for (Map.Entry<String, List<String>> e : unused.entrySet()) {
            out.append(pad).append(INDENT).append("# ").append(String.join(", ", e.getValue())).append(": not used: ")
                    .append(e.getKey()).append('\n');
        }
        out.append(pad).append("}\n");
    }

    private void leaf(String path, ConfigValue v, int depth) {
        String pad = INDENT.repeat(depth);
        String[] instead = replaced.get(path);
        if (instead != null) {
            out.append(pad).append(key(last(path))).append(" = ").append(instead[0]).append("  # ").append(instead[1]).append('\n');
            return;
        }
        if (v instanceof ConfigList list && !list.isEmpty() && list.stream().anyMatch(e -> e instanceof ConfigObject)) {
            // A memory map: one entry a line, each with its own origin.
            out.append(pad).append(key(last(path))).append(" = [  # ").append(where(v.origin())).append('\n');
            for (ConfigValue e : list) {
                out.append(pad).append(INDENT).append(inline(e)).append("  # ").append(where(e.origin())).append('\n');
            }
            out.append(pad).append("]\n");
            return;
        }
        out.append(pad).append(key(last(path))).append(" = ").append(inline(v)).append("  # ").append(where(v.origin())).append('\n');
    }

    /** A value on one line, in HOCON that reads back as the same value. */
    private static String inline(ConfigValue v) {
        if (v instanceof ConfigObject o) {
            List<String> parts = new ArrayList<>();
            for (String k : o.keySet().stream().sorted(MAP_ENTRY_ORDER).toList()) {
                parts.add(key(k) + " = " + inline(o.get(k)));
            }
            return parts.isEmpty() ? "{}" : "{ " + String.join(", ", parts) + " }";
        }
        if (v instanceof ConfigList l) {
            return "[" + String.join(", ", l.stream().map(MachineFile::inline).toList()) + "]";
        }
        if (v.valueType() == ConfigValueType.STRING) {
            String s = (String) v.unwrapped();
            return BARE.matcher(s).matches() && !s.equals("true") && !s.equals("false") && !s.equals("null")
                    && !s.equals("include") ? s : ConfigUtil.quoteString(s);
        }
        return v.render(ConfigRenderOptions.concise());
    }

    /** {@code start, size, type} as a memory map entry is written; anything else after, by name. */
    private static final Comparator<String> MAP_ENTRY_ORDER = Comparator.<String>comparingInt(k -> {
        int i = List.of("start", "size", "type").indexOf(k);
        return i < 0 ? Integer.MAX_VALUE : i;
    }).thenComparing(Comparator.naturalOrder());

    /**
     * The children of {@code path}: those the core's reference.conf defines first, in its order; then those
     * of a plugin's reference.conf, in that file's order; then by name.
     */
    private List<String> ordered(String path, ConfigObject obj) {
        Comparator<String> order = Comparator.<String>comparingInt(k -> fromCore(path, k) ? 0 : 1)
                .thenComparingInt(k -> path.equals("kmemu") ? pluginNamespaceIndex(k) : 0)
                .thenComparingInt(k -> referenceLine(path, k))
                .thenComparing(Comparator.naturalOrder());
        return obj.keySet().stream().sorted(order).toList();
    }

    /** The plugin namespaces under {@code kmemu} in the order {@code kmemu.machine} selects them. */
    private static int pluginNamespaceIndex(String child) {
        int i = List.of("arch", "page-allocator", "object-allocator").indexOf(child);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private boolean fromCore(String path, String child) {
        String p = path + "." + key(child);
        return reference.hasPathOrNull(p) && reference.getValue(p).origin().description().startsWith("kmemu-core ");
    }

    private int referenceLine(String path, String child) {
        String p = path + "." + key(child);
        if (!reference.hasPathOrNull(p)) {
            return Integer.MAX_VALUE;
        }
        int line = reference.getValue(p).origin().lineNumber();
        return line < 0 ? Integer.MAX_VALUE : line;
    }

    /** Where a value was set, for the comment beside it. */
    static String where(ConfigOrigin origin) {
        return PLUGIN_REFERENCE.matcher(Origins.describe(origin)).replaceFirst("plugin $1 reference.conf");
    }

    private static String key(String k) {
        return k.matches("[A-Za-z0-9_-]+") ? k : ConfigUtil.quoteString(k);
    }

    private static String last(String path) {
        List<String> parts = ConfigUtil.splitPath(path);
        return parts.get(parts.size() - 1);
    }
}
