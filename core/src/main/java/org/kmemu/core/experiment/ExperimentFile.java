package org.kmemu.core.experiment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmemu.api.ConfigException;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.TypesafeConfigView;

/**
 * An experiment file, read and checked on its own (no plugin is needed for this step): every key known,
 * every value of the right type, every error naming {@code file:line}. The schema is {@link Experiment}'s.
 *
 * @param file        the file, absolute
 * @param name        the experiment's name (the file's name without {@code .conf} by default)
 * @param machine     the base machine file, absolute; null when every point names its own {@code machine}
 * @param workload    the file's configuration, holding the {@code workload} object (with its origins)
 * @param keys        the varied keys, in the file's order
 * @param points      the points, in plan order (a cartesian product of {@code vary}, or {@code points})
 * @param seed        the experiment's seed
 * @param repeats     runs per point
 * @param sampleEvery workload events between samples
 * @param output      the output folder as written (relative to the working directory), or null for the default
 * @param metrics     the metric columns of summary.csv, or null for all
 */
record ExperimentFile(Path file, String name, Path machine, Config workload, List<String> keys, List<Point> points,
                      long seed, int repeats, long sampleEvery, String output, List<String> metrics) {

    /** The top-level keys an experiment file may set, in the order the documentation gives them. */
    static final List<String> KEYS = List.of("name", "machine", "workload", "vary", "points", "seed", "repeats",
            "sample-every", "output", "metrics");

    /** The default number of workload events between two samples. */
    static final long DEFAULT_SAMPLE_EVERY = 10_000;

    /**
     * One point of the plan: each varied key's value, with the value's origin in the experiment file.
     *
     * @param values key to value, in the experiment's key order
     */
    record Point(Map<String, ConfigValue> values) {
        /** @return the values as text, as summary.csv and stats.json show them */
        Map<String, String> text() {
            Map<String, String> out = new LinkedHashMap<>();
            values.forEach((k, v) -> out.put(k, text(v)));
            return out;
        }

        static String text(ConfigValue v) {
            return v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped()
                    : v.render(ConfigRenderOptions.concise());
        }
    }

    /**
     * @param file the experiment file
     * @return it, checked
     * @throws ConfigException naming file:line for anything wrong
     */
    static ExperimentFile parse(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Config c = ConfigLoader.parseFile(file);
        TypesafeConfigView view = new TypesafeConfigView(c, "");
        for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new ConfigException(where(e.getValue()) + ": " + e.getKey() + ": unknown key (expected one of: "
                        + String.join(", ", KEYS) + ")");
            }
        }
        String name = c.hasPath("name") ? view.getString("name") : defaultName(abs);
        if (!name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
            String problem = "\"" + name + "\" (expected: a folder name of letters, digits, '.', '_' and '-')";
            if (!c.hasPath("name")) {
                throw new ConfigException(abs + ": the file's name " + problem + ": rename it or set name = ...");
            }
            throw view.error("name", problem);
        }
        Path dir = abs.getParent();
        Path machine = c.hasPath("machine") ? dir.resolve(view.getString("machine")).normalize() : null;
        if (!c.hasPath("workload")) {
            throw new ConfigException(abs + ": workload: missing (expected: workload { type = ..., ... })");
        }
        view.getConfig("workload");
        new TypesafeConfigView(c, "workload").getString("type");
        long seed = c.hasPath("seed") ? view.getLong("seed") : 1;
        int repeats = c.hasPath("repeats") ? view.getInt("repeats") : 1;
        if (repeats < 1) {
            throw view.error("repeats", repeats + " (expected: 1 or more)");
        }
        long sampleEvery = c.hasPath("sample-every") ? view.getLong("sample-every") : DEFAULT_SAMPLE_EVERY;
        if (sampleEvery < 1) {
            throw view.error("sample-every", sampleEvery + " (expected: 1 or more events)");
        }
        String output = c.hasPath("output") ? view.getString("output") : null;
        List<String> metrics = null;
        if (c.hasPath("metrics")) {
            metrics = view.getStringList("metrics");
            for (String m : metrics) {
                if (!Metrics.NAMES.contains(m)) {
                    throw view.error("metrics", "\"" + m + "\": no such metric (expected some of: "
                            + String.join(", ", Metrics.NAMES) + ")");
                }
            }
            if (metrics.isEmpty()) {
                throw view.error("metrics", "an empty list (expected: some of " + String.join(", ", Metrics.NAMES)
                        + "; leave it out for all)");
            }
        }
        if (c.hasPath("vary") && c.hasPath("points")) {
            throw view.error("points", "given with vary at " + where(c.getValue("vary"))
                    + " (expected: one of vary, a cartesian product, or points, an explicit list)");
        }
        List<String> keys = new ArrayList<>();
        List<Point> points;
        if (c.hasPath("vary")) {
            points = product(view, c.getValue("vary"), keys);
        } else if (c.hasPath("points")) {
            points = explicit(view, c.getValue("points"), keys);
        } else {
            points = List.of(new Point(Map.of()));
        }
        if (machine == null) {
            for (Point p : points) {
                if (!p.values().containsKey("machine")) {
                    throw new ConfigException(abs + ": machine: missing (expected: the base machine file, relative to"
                            + " this file; or a machine in every point)");
                }
            }
        }
        return new ExperimentFile(abs, name, machine, c, List.copyOf(keys), List.copyOf(points), seed, repeats,
                sampleEvery, output, metrics == null ? null : List.copyOf(metrics));
    }

    private static String defaultName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".conf") ? n.substring(0, n.length() - ".conf".length()) : n;
    }

    /** {@code vary { k = [a, b], ... }}: every combination, the first key varying slowest. */
    private static List<Point> product(TypesafeConfigView view, ConfigValue vary, List<String> keys) {
        if (!(vary instanceof ConfigObject obj)) {
            throw view.error("vary", render(vary) + " (expected: an object { key = [values], ... })");
        }
        Map<String, ConfigValue> leaves = new LinkedHashMap<>();
        flatten("", obj, leaves);
        if (leaves.isEmpty()) {
            throw view.error("vary", "no key to vary (expected: { key = [values], ... }; leave vary out for one point)");
        }
        // The file's order: the parser keeps an object's keys in no particular order, so sort by line.
        List<Map.Entry<String, ConfigValue>> axes = new ArrayList<>(leaves.entrySet());
        axes.sort(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                .thenComparing(Map.Entry::getKey));
        List<List<ConfigValue>> values = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> axis : axes) {
            String key = axis.getKey();
            checkKey(key, axis.getValue());
            if (!(axis.getValue() instanceof ConfigList list) || list.isEmpty()) {
                throw new ConfigException(where(axis.getValue()) + ": vary." + key + ": " + render(axis.getValue())
                        + " (expected: a non-empty list of values, e.g. [a, b])");
            }
            Set<String> seen = new LinkedHashSet<>();
            for (ConfigValue v : list) {
                checkScalar("vary." + key, v);
                if (!seen.add(Point.text(v))) {
                    throw new ConfigException(where(v) + ": vary." + key + ": " + render(v) + " is listed twice");
                }
            }
            keys.add(key);
            values.add(list);
        }
        List<Point> out = new ArrayList<>();
        expand(keys, values, 0, new LinkedHashMap<>(), out);
        return out;
    }

    private static void expand(List<String> keys, List<List<ConfigValue>> values, int axis,
                               LinkedHashMap<String, ConfigValue> at, List<Point> out) {
        if (axis == keys.size()) {
            out.add(new Point(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(at))));
            return;
        }
        for (ConfigValue v : values.get(axis)) {
            at.put(keys.get(axis), v);
            expand(keys, values, axis + 1, at, out);
        }
        at.remove(keys.get(axis));
    }

    /** {@code points = [ {k = a}, {k = b, j = c} ]}: as written; the keys are every key any point sets. */
    private static List<Point> explicit(TypesafeConfigView view, ConfigValue points, List<String> keys) {
        if (!(points instanceof ConfigList list) || list.isEmpty()) {
            throw view.error("points", render(points) + " (expected: a non-empty list of objects [ { key = value }, ... ])");
        }
        List<Point> out = new ArrayList<>();
        Set<String> seenPoints = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue p = list.get(i);
            if (!(p instanceof ConfigObject obj) || obj.isEmpty()) {
                throw new ConfigException(where(p) + ": points[" + i + "]: " + render(p)
                        + " (expected: an object { key = value, ... } with at least one key)");
            }
            Map<String, ConfigValue> leaves = new LinkedHashMap<>();
            flatten("", obj, leaves);
            List<Map.Entry<String, ConfigValue>> sorted = new ArrayList<>(leaves.entrySet());
            sorted.sort(Comparator.comparingInt((Map.Entry<String, ConfigValue> e) -> e.getValue().origin().lineNumber())
                    .thenComparing(Map.Entry::getKey));
            for (Map.Entry<String, ConfigValue> e : sorted) {
                checkKey(e.getKey(), e.getValue());
                checkScalar("points[" + i + "]." + e.getKey(), e.getValue());
                if (!keys.contains(e.getKey())) {
                    keys.add(e.getKey());
                }
            }
            out.add(new Point(leaves));
        }
        // Every point's values in the experiment's key order (a point may set fewer keys).
        List<Point> ordered = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            Map<String, ConfigValue> values = new LinkedHashMap<>();
            for (String k : keys) {
                ConfigValue v = out.get(i).values().get(k);
                if (v != null) {
                    values.put(k, v);
                }
            }
            Point p = new Point(java.util.Collections.unmodifiableMap(values));
            if (!seenPoints.add(p.text().toString())) {
                throw new ConfigException(where(list.get(i)) + ": points[" + i + "]: the same point as an earlier one "
                        + p.text());
            }
            ordered.add(p);
        }
        return ordered;
    }

    private static void flatten(String prefix, ConfigObject obj, Map<String, ConfigValue> out) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue() instanceof ConfigObject child && !child.isEmpty() && !key.equals("machine")) {
                flatten(key, child, out);
            } else {
                out.put(key, e.getValue());
            }
        }
    }

    /** A varied key is the base machine file, a machine key or a workload setting. */
    private static void checkKey(String key, ConfigValue v) {
        if (key.equals("machine") || key.startsWith("kmemu.") || key.startsWith("workload.")) {
            return;
        }
        throw new ConfigException(where(v) + ": " + key + ": not a key an experiment can vary (expected: machine,"
                + " a machine key kmemu.KEY, or a workload setting workload.KEY)");
    }

    private static void checkScalar(String what, ConfigValue v) {
        switch (v.valueType()) {
            case STRING, NUMBER, BOOLEAN -> {
            }
            default -> throw new ConfigException(where(v) + ": " + what + ": " + render(v)
                    + " (expected: a value: a string, a number or a boolean)");
        }
    }

    static String render(ConfigValue v) {
        return v.valueType() == ConfigValueType.STRING ? "\"" + v.unwrapped() + "\"" : v.render(ConfigRenderOptions.concise());
    }

    /** @return {@code file:line} of a value of the experiment file */
    static String where(ConfigValue v) {
        var o = v.origin();
        if (o == null || o.filename() == null) {
            return o == null ? "experiment" : o.description();
        }
        return o.lineNumber() > 0 ? o.filename() + ":" + o.lineNumber() : o.filename();
    }
}
