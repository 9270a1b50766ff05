package org.kmemu.alloc.buddy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/** A map-backed ConfigView double: flat dotted keys, defaults taken from the plugin's reference.conf. */
final class MapConfigView implements ConfigView {
    static final String ROOT = "kmemu.page-allocator.buddy";

    private final String path;
    private final Map<String, Object> values;

    private MapConfigView(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    /** @return the reference.conf defaults with these overrides (key, value, key, value ...) */
    static MapConfigView defaults(Object... overrides) {
        Config ref = ConfigFactory.parseResources(MapConfigView.class.getClassLoader(), "reference.conf")
                .getConfig(ROOT);
        Map<String, Object> map = new HashMap<>();
        ref.entrySet().forEach(e -> map.put(e.getKey(), e.getValue().unwrapped()));
        for (int k = 0; k < overrides.length; k += 2) {
            map.put((String) overrides[k], overrides[k + 1]);
        }
        return new MapConfigView(ROOT, map);
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
        throw new ConfigException("test: " + path + "." + key + ": " + v + " is not a boolean");
    }

    @Override
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) {
            throw new ConfigException("test: " + path + "." + key + ": " + v + " is out of int range");
        }
        return (int) v;
    }

    @Override
    public long getLong(String key) {
        Object v = get(key);
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new ConfigException("test: " + path + "." + key + ": " + v + " is not a number");
        }
    }

    @Override
    public long getBytes(String key) {
        return getLong(key);
    }

    @Override
    public long getAddress(String key) {
        return Long.decode(getString(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> getStringList(String key) {
        return (List<String>) get(key);
    }

    @Override
    public <E extends Enum<E>> E getEnum(Class<E> type, String key) {
        return Enum.valueOf(type, getString(key).toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    @Override
    public ConfigView getConfig(String key) {
        Map<String, Object> sub = new HashMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(key + ".")) {
                sub.put(k.substring(key.length() + 1), v);
            }
        });
        if (sub.isEmpty()) {
            throw new ConfigException("test: " + path + "." + key + ": missing");
        }
        return new MapConfigView(path + "." + key, sub);
    }

    @Override
    public ConfigException error(String key, String problem) {
        return new ConfigException("test: " + path + "." + key + ": " + problem);
    }
}
