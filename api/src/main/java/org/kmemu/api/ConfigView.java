package org.kmemu.api;

import java.util.List;

/**
 * A read-only view of one plugin's configuration subtree, for example {@code kmemu.arch.i386}.
 *
 * <p>The core builds it from the user's HOCON file layered over the plugin's own
 * {@code reference.conf} (loaded through the plugin's class loader), so every key a plugin reads has
 * a default and a plugin never hard-codes one. Keys are relative to {@link #path()}.
 *
 * <p>Every getter throws {@link ConfigException} when the key is missing or has the wrong type; the
 * message carries the origin ({@code file:line}) of the offending value. A plugin validates its
 * values once, in its factory method, and reports a bad one through {@link #error(String, String)} so
 * that its message has the same shape.
 *
 * <p>Instances are immutable and may be read from any thread.
 *
 * <p><b>Who calls it.</b> Plugins, in their factory methods ({@link Architecture#configure},
 * {@link PageAllocatorPolicy#create}, {@link ObjectAllocatorPolicy#create}). The host implements it;
 * {@code PluginConfigs} in kmemu-tck gives plugin tests the real one over their own reference.conf.
 *
 * @since 1.0
 */
@HostProvided
public interface ConfigView {

    /** @return the absolute path of this subtree, e.g. {@code "kmemu.arch.i386"} */
    String path();

    /** @return whether {@code key} is set (in the user's file or in a reference.conf) */
    boolean hasPath(String key);

    /** @return the string at {@code key} */
    String getString(String key);

    /** @return the boolean at {@code key} */
    boolean getBoolean(String key);

    /** @return the integer at {@code key}; a value outside {@code int} range is an error */
    int getInt(String key);

    /** @return the long at {@code key} */
    long getLong(String key);

    /**
     * A memory size in bytes. Accepts a number of bytes, a HOCON memory size, or a hexadecimal string
     * such as {@code 0x9fc00}; note that in HOCON {@code 4K} and {@code 4KiB} mean 4096 bytes while
     * {@code 4kB} means 4000.
     *
     * @return the size at {@code key} in bytes
     */
    long getBytes(String key);

    /**
     * An address or other 64-bit quantity written as a number or a string such as
     * {@code "0xc0000000"}.
     *
     * @return the value at {@code key}
     */
    long getAddress(String key);

    /**
     * A real number, e.g. a distribution's parameter. The default reads {@link #getString} and refuses
     * what is not a finite number with {@link #error}.
     *
     * @return the number at {@code key}
     * @since 1.2
     */
    default double getDouble(String key) {
        String text = getString(key);
        try {
            double d = Double.parseDouble(text.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // refused below, in the same words as any other bad value
        }
        throw error(key, "\"" + text + "\" is not a number");
    }

    /** @return the list of strings at {@code key} */
    List<String> getStringList(String key);

    /**
     * @param key  a key under {@link #path()}
     * @param type the enum whose constant names (case-insensitive, {@code -} read as {@code _}) are accepted
     * @param <E>  the enum type
     * @return the constant named at {@code key}
     */
    <E extends Enum<E>> E getEnum(Class<E> type, String key);

    /** @return the subtree at {@code key} */
    ConfigView getConfig(String key);

    /**
     * Builds the exception a plugin throws for a value that parsed but breaks a rule, with the same
     * origin prefix the getters use.
     *
     * @param key     the offending key, relative to {@link #path()}
     * @param problem what was wrong and what was expected, e.g. {@code "3 (expected: 2, 3 or 4)"}
     * @return the exception to throw
     */
    ConfigException error(String key, String problem);
}
