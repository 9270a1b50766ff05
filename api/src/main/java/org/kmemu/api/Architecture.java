package org.kmemu.api;

/**
 * An architecture plugin: turns its configuration into an {@link ArchSpec}.
 *
 * <p>The core finds every {@code Architecture} extension at start-up and calls {@link #configure}
 * on the one whose {@link #id()} the machine config names ({@code kmemu.machine.arch}), once, on the
 * main thread, before boot. Implementations must have a public no-argument constructor that does no
 * work; keep state in the returned spec.
 *
 * <p><b>Caller and thread.</b> The plugin host creates it at start-up; the core calls {@link #configure}
 * once per machine, on the main thread, before boot. <b>Failure.</b> A bad value in the subtree is a
 * {@link ConfigException} made with {@link ConfigView#error}: the run stops with that one line (file and
 * line of the value). Any other exception is a plugin bug and stops the run. <b>TCK.</b>
 * {@code ArchitectureContractTest}: id and description, default memory maps inside the physical address
 * width, the layout's order, {@code __pa}/{@code __va}, zone limits, page-table encoding round trips, boot
 * mappings, fault reports.
 *
 * @since 1.0
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
