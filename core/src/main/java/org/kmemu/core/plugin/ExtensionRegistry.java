package org.kmemu.core.plugin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.ExtensionPointInfo;
import org.kmemu.api.KmemuExtension;

/**
 * The loaded extensions, keyed by extension point. Any interface that extends
 * {@link KmemuExtension} and carries {@link ExtensionPointInfo} is a key; the registry has no field
 * or method per extension point, so adding one to the api (issue 9's workloads, issue 10's devices)
 * changes nothing here.
 *
 * <p>Filled on the main thread while plugins load, then only read.
 */
public final class ExtensionRegistry {
    private final Map<Class<? extends KmemuExtension>, List<Extension<?>>> byPoint = new LinkedHashMap<>();

    /**
     * An extension instance with the plugin that provides it.
     *
     * @param id       the extension's own id ({@link KmemuExtension#id()})
     * @param plugin   the providing plugin's id
     * @param instance the extension
     * @param <T>      the extension point
     */
    public record Extension<T extends KmemuExtension>(String id, String plugin, T instance) {
        /** @return whether kmemu itself provides it ({@link BuiltInExtensions}) rather than a plugin */
        public boolean builtIn() {
            return BuiltInExtensions.PLUGIN.equals(plugin);
        }
    }

    /**
     * Adds an extension point with no extensions yet; {@link #points()} keeps the order of this call.
     *
     * @param point the extension point
     * @throws IllegalArgumentException if {@code point} lacks {@link ExtensionPointInfo} (a bug in the api)
     */
    void addPoint(Class<? extends KmemuExtension> point) {
        info(point);
        byPoint.putIfAbsent(point, new ArrayList<>());
    }

    /**
     * A registry of kmemu's built-in extensions alone, for every extension point of this api: what a
     * program that loads no plugins (a test, an embedding without a plugins directory) selects from.
     *
     * @return the registry
     */
    public static ExtensionRegistry builtIn() {
        ExtensionRegistry r = new ExtensionRegistry();
        for (Class<? extends KmemuExtension> point : org.kmemu.api.ExtensionPoints.all()) {
            r.addPoint(point);
            r.addBuiltIns(point);
        }
        return r;
    }

    /** Adds kmemu's own extensions of {@code point} ({@link BuiltInExtensions}), before any plugin's. */
    <T extends KmemuExtension> void addBuiltIns(Class<T> point) {
        for (T e : BuiltInExtensions.of(point)) {
            add(point, new Extension<>(e.id(), BuiltInExtensions.PLUGIN, e));
        }
    }

    /** @return whether {@code id} is taken by one of kmemu's built-in extensions of {@code point} */
    boolean isBuiltIn(Class<? extends KmemuExtension> point, String id) {
        for (Extension<?> e : byPoint.getOrDefault(point, List.of())) {
            if (e.builtIn() && e.id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * @param point     a point already added
     * @param extension one of its extensions
     * @param <T>       the extension point
     */
    <T extends KmemuExtension> void add(Class<T> point, Extension<T> extension) {
        List<Extension<?>> list = byPoint.get(point);
        if (list == null) {
            throw new IllegalArgumentException(point.getName() + " is not a registered extension point");
        }
        list.add(extension);
    }

    /** @return the extension points, in the order they were added; unmodifiable */
    public List<Class<? extends KmemuExtension>> points() {
        return List.copyOf(byPoint.keySet());
    }

    /**
     * @param point an extension point
     * @param <T>   its type
     * @return its extensions in plugin load order, empty if none or if {@code point} is not registered
     */
    @SuppressWarnings("unchecked")
    public <T extends KmemuExtension> List<Extension<T>> extensions(Class<T> point) {
        List<Extension<?>> list = byPoint.getOrDefault(point, List.of());
        List<Extension<T>> out = new ArrayList<>(list.size());
        for (Extension<?> e : list) {
            out.add((Extension<T>) e);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * @param point an extension point
     * @return its annotation: the words and config key users see
     * @throws IllegalArgumentException if it has none
     */
    public static ExtensionPointInfo info(Class<? extends KmemuExtension> point) {
        ExtensionPointInfo info = point.getAnnotation(ExtensionPointInfo.class);
        if (info == null || !point.isInterface()) {
            throw new IllegalArgumentException(point.getName() + " is not an extension point (expected: an interface extending"
                    + " KmemuExtension annotated with @ExtensionPointInfo)");
        }
        return info;
    }
}
