package org.kmemu.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How users see an extension point: what one of its extensions is called in messages, and the
 * config key that selects one. The plugin host reads it for the error when a config selects an id no
 * loaded plugin provides ("no loaded plugin provides the architecture \"x\"") and for
 * {@code kmemu plugins}; docs/extension-points.md lists the same facts.
 *
 * <p>Put on every interface that extends {@link KmemuExtension} and is listed in
 * {@link ExtensionPoints#all()}; only plugin-facing interfaces carry it, plugins never do.
 *
 * @since 1.0
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ExtensionPointInfo {

    /**
     * @return what one extension is called in a sentence, e.g. "architecture", "page allocator"
     * @since 1.0
     */
    String what();

    /**
     * @return the config key whose value is the id of the extension to use, e.g. "kmemu.machine.arch"
     * @since 1.0
     */
    String selectedBy();
}
