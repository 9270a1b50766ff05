package org.kmemu.api;

import java.util.List;

/**
 * The extension points of this version of the plugin API: the interfaces a plugin's
 * {@code @Extension} classes implement. The plugin host loads extensions of exactly these types.
 *
 * <p>Adding an extension point is a compatible (minor) API change: a new interface extending
 * {@link KmemuExtension}, annotated with {@link ExtensionPointInfo}, added at the end of this list
 * and to docs/extension-points.md (a test checks the document against this list).
 *
 * @since 1.0
 */
public final class ExtensionPoints {
    private static final List<Class<? extends KmemuExtension>> ALL =
            List.of(Architecture.class, PageAllocatorPolicy.class, ObjectAllocatorPolicy.class,
                    Workload.class, // 1.2
                    DeviceType.class); // 1.2

    private ExtensionPoints() {
    }

    /**
     * @return every extension point, in the order {@code kmemu plugins} lists them (since 1.2 with
     *         {@link Workload} and {@link DeviceType} last); immutable
     * @since 1.0
     */
    public static List<Class<? extends KmemuExtension>> all() {
        return ALL;
    }
}
