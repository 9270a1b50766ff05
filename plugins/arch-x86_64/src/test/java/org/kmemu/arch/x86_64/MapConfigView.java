package org.kmemu.arch.x86_64;

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
        m.put("levels", 4);
        m.put("struct-page-bytes", 64);
        m.put("physical-start", "0x1000000");
        m.put("fixmap.vsyscall-emulation", true);
        m.put("fixmap.local-apic", true);
        m.put("fixmap.io-apic", true);
        m.put("fixmap.max-io-apics", 128);
        m.put("fixmap.paravirt", true);
        m.put("fixmap.apei-ghes", true);
        m.put("fixmap.ohci1394-dma-init", false);
        m.put("fixmap.intel-mid", false);
        m.put("fixmap.intel-txt", false);
        return m;
    }

    static MapConfigView with(String key, Object value) {
        Map<String, Object> m = defaults();
        m.put(key, value);
        return new MapConfigView("kmemu.arch.x86_64", m);
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
