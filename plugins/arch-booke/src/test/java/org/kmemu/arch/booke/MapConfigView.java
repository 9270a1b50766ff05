package org.kmemu.arch.booke;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/** A map-backed {@link ConfigView} for tests: flat dotted keys, values as Java objects or strings. */
final class MapConfigView implements ConfigView {
    private final String path;
    private final Map<String, Object> values;

    MapConfigView(String path, Map<String, Object> values) {
        this.path = path;
        this.values = new HashMap<>(values);
    }

    /** @return the shipped defaults of reference.conf, as flat keys */
    static Map<String, Object> defaults() {
        Map<String, Object> m = new HashMap<>();
        m.put("kernelbase", "0xc0000000");
        m.put("physical-start", "0x0");
        m.put("task-size", "0xc0000000");
        m.put("lowmem-size", "768M");
        m.put("highmem", true);
        m.put("phys-64bit", false);
        m.put("struct-page-bytes", 32);
        m.put("lowmem-cam-num", 3);
        m.put("tlbcam-max-size", "4G");
        m.put("nr-cpus", 4);
        m.put("km-max-idx", 16);
        return m;
    }

    static MapConfigView with(String key, Object value) {
        Map<String, Object> m = defaults();
        m.put(key, value);
        return new MapConfigView("kmemu.arch.booke", m);
    }

    private Object get(String key) {
        Object v = values.get(key);
        if (v == null) {
            throw new ConfigException("test: " + path + "." + key + ": missing");
        }
        return v;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public boolean hasPath(String key) {
        return values.containsKey(key) || values.keySet().stream().anyMatch(k -> k.startsWith(key + "."));
    }

    @Override
    public String getString(String key) {
        return String.valueOf(get(key));
    }

    @Override
    public boolean getBoolean(String key) {
        Object v = get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ConfigException("test: " + path + "." + key + ": not a boolean: " + v);
    }

    @Override
    public int getInt(String key) {
        return Math.toIntExact(getLong(key));
    }

    @Override
    public long getLong(String key) {
        Object v = get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw new ConfigException("test: " + path + "." + key + ": not a number: " + v);
    }

    @Override
    public long getBytes(String key) {
        Object v = get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        String s = v.toString().trim().toUpperCase(Locale.ROOT);
        long mult = s.endsWith("G") ? 1L << 30 : s.endsWith("M") ? 1L << 20 : s.endsWith("K") ? 1L << 10 : 1;
        return Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)) * mult;
    }

    @Override
    public long getAddress(String key) {
        Object v = get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        String s = v.toString();
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    @Override
    public List<String> getStringList(String key) {
        throw new UnsupportedOperationException(key);
    }

    @Override
    public <E extends Enum<E>> E getEnum(Class<E> type, String key) {
        return Enum.valueOf(type, getString(key).toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    @Override
    public ConfigView getConfig(String key) {
        Map<String, Object> sub = new HashMap<>();
        String prefix = key + ".";
        values.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                sub.put(k.substring(prefix.length()), v);
            }
        });
        return new MapConfigView(path + "." + key, sub);
    }

    @Override
    public ConfigException error(String key, String problem) {
        return new ConfigException("test: " + path + "." + key + ": " + problem);
    }
}
