package org.kmemu.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface that the kmemu host implements and hands to plugins (and that kmemu-tck
 * implements for contract tests): plugins call it and must not implement it. A later minor version
 * of the api may add abstract methods to it, which would break a plugin that implements an
 * extension point; the SPI compatibility check (docs/extension-points.md) tells the two apart by
 * this annotation.
 *
 * @since 1.0
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface HostProvided {
}
