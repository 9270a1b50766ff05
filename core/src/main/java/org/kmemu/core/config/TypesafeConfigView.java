package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/**
 * The core's {@link ConfigView}: a subtree of the resolved Typesafe config, whose errors name the
 * {@code file:line} the offending value came from and what was expected.
 */
public final class TypesafeConfigView implements ConfigView {
    private final Config root;
    private final String path;
    private final String displayPath;

    /**
     * @param root the whole resolved config (user file over all reference.conf files)
     * @param path the absolute path of the subtree this view shows
     */
    public TypesafeConfigView(Config root, String path) {
        this(root, path, path);
    }

    /**
     * A view whose messages name the subtree differently from its path in {@code root}, for values
     * that live inside a list (such as {@code kmemu.memory.map[2]}).
     *
     * @param root        the config holding the subtree
     * @param path        the subtree's path in {@code root}
     * @param displayPath the name messages use for it
     */
    public TypesafeConfigView(Config root, String path, String displayPath) {
        this.root = root;
        this.path = path;
        this.displayPath = displayPath;
    }

    @Override
    public String path() {
        return path;
    }

    private String abs(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    @Override
    public boolean hasPath(String key) {
        return root.hasPath(abs(key));
    }

    private ConfigValue value(String key, String expected) {
        String p = abs(key);
        if (!root.hasPathOrNull(p)) {
            throw new ConfigException(Origins.of(root, p) + ": " + display(key) + ": missing (expected: " + expected + ")");
        }
        ConfigValue v = root.getValue(p);
        if (v.valueType() == ConfigValueType.NULL) {
            throw error(key, "null (expected: " + expected + ")");
        }
        return v;
    }

    private ConfigException typeError(String key, ConfigValue v, String expected) {
        return error(key, render(v) + " (expected: " + expected + ")");
    }

    static String render(ConfigValue v) {
        return v.valueType() == ConfigValueType.STRING ? "\"" + v.unwrapped() + "\"" : v.render();
    }

    @Override
    public String getString(String key) {
        ConfigValue v = value(key, "a string");
        if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
            throw typeError(key, v, "a string");
        }
        return String.valueOf(v.unwrapped());
    }

    @Override
    public boolean getBoolean(String key) {
        ConfigValue v = value(key, "true or false");
        try {
            return root.getBoolean(abs(key));
        } catch (com.typesafe.config.ConfigException e) {
            throw typeError(key, v, "true or false");
        }
    }

    @Override
    public int getInt(String key) {
        long l = getLong(key);
        if (l != (int) l) {
            throw error(key, l + " (expected: a 32-bit integer)");
        }
        return (int) l;
    }

    @Override
    public long getLong(String key) {
        ConfigValue v = value(key, "an integer");
        if (v.valueType() == ConfigValueType.NUMBER) {
            Number n = (Number) v.unwrapped();
            if (n instanceof Double || n instanceof Float) {
                throw typeError(key, v, "an integer");
            }
            return n.longValue();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            try {
                return parseInteger(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                throw typeError(key, v, "an integer");
            }
        }
        throw typeError(key, v, "an integer");
    }

    @Override
    public long getBytes(String key) {
        ConfigValue v = value(key, "a memory size such as 4G, 896M or 4096");
        if (v.valueType() == ConfigValueType.STRING && ((String) v.unwrapped()).trim().toLowerCase(Locale.ROOT).startsWith("0x")) {
            try {
                return parseInteger(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                throw typeError(key, v, "a memory size such as 4G, 896M, 4096 or 0x1000");
            }
        }
        try {
            return root.getBytes(abs(key));
        } catch (com.typesafe.config.ConfigException e) {
            throw typeError(key, v, "a memory size such as 4G, 896M or 4096");
        }
    }

    @Override
    public long getAddress(String key) {
        ConfigValue v = value(key, "an address such as 0xc0000000");
        if (v.valueType() == ConfigValueType.NUMBER && !(v.unwrapped() instanceof Double)) {
            return ((Number) v.unwrapped()).longValue();
        }
        if (v.valueType() == ConfigValueType.STRING) {
            try {
                return parseInteger(((String) v.unwrapped()).trim());
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw typeError(key, v, "an address such as 0xc0000000");
    }

    /** Parses decimal or 0x-prefixed hexadecimal, the latter as an unsigned 64-bit value. */
    static long parseInteger(String s) {
        String t = s.replace("_", "");
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        return Long.parseLong(t);
    }

    @Override
    public List<String> getStringList(String key) {
        ConfigValue v = value(key, "a list of strings");
        try {
            return List.copyOf(root.getStringList(abs(key)));
        } catch (com.typesafe.config.ConfigException e) {
            throw typeError(key, v, "a list of strings");
        }
    }

    @Override
    public <E extends Enum<E>> E getEnum(Class<E> type, String key) {
        String s = getString(key);
        String norm = s.trim().replace('-', '_').toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(norm)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw error(key, "\"" + s + "\" (expected one of: " + String.join(", ", names) + ")");
    }

    @Override
    public ConfigView getConfig(String key) {
        ConfigValue v = value(key, "an object { ... }");
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw typeError(key, v, "an object { ... }");
        }
        return new TypesafeConfigView(root, abs(key), display(key));
    }

    @Override
    public ConfigException error(String key, String problem) {
        return new ConfigException(Origins.of(root, abs(key)) + ": " + display(key) + ": " + problem);
    }

    /** @return how messages name {@code key}: under {@link #displayPath} */
    private String display(String key) {
        return displayPath.isEmpty() ? key : displayPath + "." + key;
    }

    /** @return the underlying config, for the core's own readers */
    Config root() {
        return root;
    }

    @Override
    public String toString() {
        return "ConfigView[" + path + "]";
    }
}
