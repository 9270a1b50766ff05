package org.kmemu.api;

/**
 * An architecture plugin: turns its configuration into an {@link ArchSpec}.
 *
 * <p>The core finds every {@code Architecture} extension at start-up and calls {@link #configure}
 * on the one whose {@link #id()} the machine config names ({@code kmemu.machine.arch}), once, on the
 * main thread, before boot. Implementations must have a public no-argument constructor that does no
 * work; keep state in the returned spec.
 */
@ExtensionPointInfo(what = "architecture", selectedBy = "kmemu.machine.arch")
public interface Architecture extends KmemuExtension {

    /** @return the id a config selects this architecture by, e.g. "x86_64", "i386", "booke" */
    @Override
    String id();

    /** @return a one-line description for {@code kmemu plugins} */
    @Override
    String description();

    /**
     * @param config this plugin's subtree, {@code kmemu.arch.<id>}, with the plugin's reference.conf
     *               defaults underneath the user's values
     * @return the configured architecture
     * @throws ConfigException for a value that breaks a rule, made with {@link ConfigView#error}
     */
    ArchSpec configure(ConfigView config);
}
