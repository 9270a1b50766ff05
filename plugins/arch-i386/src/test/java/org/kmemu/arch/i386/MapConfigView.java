package org.kmemu.arch.i386;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/**
 * A map-backed {@link ConfigView} for tests: the flat {@code key = value} lines of this plugin's
 * reference.conf under {@code kmemu.arch.i386 { }}, with overrides on top. Sizes accept HOCON's
 * binary suffixes K, M, G.
 */
final class MapConfigView implements ConfigView {
    static final String PATH = "kmemu.arch.i386";
    private final Map<String, String> values;

    private MapConfigView(Map<String, String> values) {
        this.values = values;
    }

    /** @return the reference.conf defaults */
    static MapConfigView defaults() {
        return new MapConfigView(readReferenceConf());
    }

    /** @return a copy with {@code key} set to {@code value} (strings unquoted) */
    MapConfigView with(String key, Object value) {
        Map<String, String> copy = new HashMap<>(values);
        copy.put(key, String.valueOf(value));
        return new MapConfigView(copy);
    }

    private static Map<String, String> readReferenceConf() {
        try (InputStream in = MapConfigView.class.getResourceAsStream("/reference.conf")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> map = new HashMap<>();
            boolean inside = false;
            for (String raw : text.split("\n")) {
                String line = raw.strip();
                if (line.startsWith("#") || line.isEmpty()) {
                    continue;
                }
                if (line.startsWith(PATH) && line.endsWith("{")) {
                    inside = true;
                } else if (line.equals("}")) {
                    inside = false;
                } else if (inside) {
                    int eq = line.indexOf('=');
                    String value = line.substring(eq + 1).strip();
                    if (value.startsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    map.put(line.substring(0, eq).strip(), value);
                }
            }
            return map;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private String raw(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ConfigException("reference.conf of plugin i386: " + PATH + "." + key + ": missing");
        }
        return v;
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public boolean hasPath(String key) {
        return values.containsKey(key);
    }

    @Override
    public String getString(String key) {
        return raw(key);
    }

    @Override
    public boolean getBoolean(String key) {
        String v = raw(key);
        if (!v.equals("true") && !v.equals("false")) {
            throw error(key, v + " (expected: boolean)");
        }
        return Boolean.parseBoolean(v);
    }

    @Override
    public int getInt(String key) {
        return Math.toIntExact(getLong(key));
    }

    @Override
    public long getLong(String key) {
        try {
            return Long.parseLong(raw(key));
        } catch (NumberFormatException e) {
            throw error(key, raw(key) + " (expected: number)");
        }
    }

    @Override
    public long getBytes(String key) {
        String v = raw(key).toUpperCase(Locale.ROOT);
        int shift = switch (v.charAt(v.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        try {
            return Long.parseLong(digits) << shift;
        } catch (NumberFormatException e) {
            throw error(key, raw(key) + " (expected: memory size)");
        }
    }

    @Override
    public long getAddress(String key) {
        return Long.decode(raw(key));
    }

    @Override
    public List<String> getStringList(String key) {
        return List.of(raw(key).split(","));
    }

    @Override
    public <E extends Enum<E>> E getEnum(Class<E> type, String key) {
        return Enum.valueOf(type, raw(key).toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    @Override
    public ConfigView getConfig(String key) {
        throw new UnsupportedOperationException(key);
    }

    @Override
    public ConfigException error(String key, String problem) {
        return new ConfigException("reference.conf of plugin i386: " + PATH + "." + key + ": " + problem);
    }
}
