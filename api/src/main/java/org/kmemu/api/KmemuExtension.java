package org.kmemu.api;

import org.pf4j.ExtensionPoint;

/**
 * What every kmemu extension point has in common: an id a config selects an extension by, and a
 * line that describes it. Each extension point is an interface extending this one, annotated with
 * {@link ExtensionPointInfo} and listed in {@link ExtensionPoints#all()}; the core's plugin host
 * instantiates and selects extensions of any such interface the same way, so a new extension point
 * needs no change in the host.
 *
 * <p><b>Who calls it.</b> The plugin host, on the main thread at start-up: it creates each extension
 * class a started plugin lists in {@code META-INF/extensions.idx} once, through its public
 * no-argument constructor, then calls {@link #id()} and {@link #description()}; the selected
 * extension is then used as its extension point says.
 *
 * <p><b>Failure.</b> A constructor that throws, or a class that cannot be created, makes one
 * "plugin error" line naming the jar and the class; the plugin's other extensions and the other
 * plugins keep working. {@code id()} and {@code description()} must not throw.
 *
 * <p><b>TCK.</b> Each extension point's contract test (kmemu-tck) checks that the id is non-blank and
 * the description is one non-blank line.
 *
 * @since 1.0
 */
public interface KmemuExtension extends ExtensionPoint {

    /**
     * @return the id a config selects this extension by, unique among the loaded extensions of its
     *         extension point (e.g. "x86_64", "buddy", "slub"); constant for the instance
     * @since 1.0
     */
    String id();

    /**
     * @return a one-line description for {@code kmemu plugins}, naming the kernel behaviour modelled
     * @since 1.0
     */
    String description();
}
