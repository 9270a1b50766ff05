package org.kmemu.core.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kmemu.api.ConfigException;
import org.kmemu.api.KmemuExtension;
import org.kmemu.core.Kmemu;
import org.kmemu.core.config.ConfigLoader;
import org.kmemu.core.config.ResolvedConfig;
import org.kmemu.core.demo.Demo;
import org.kmemu.core.demo.Demos;
import org.kmemu.core.machine.HeapBudget;
import org.kmemu.core.machine.HeapTooSmallException;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.VirtualAddressWidth;
import org.kmemu.core.plugin.ExtensionRegistry;
import org.kmemu.core.plugin.LoadedPlugin;
import org.kmemu.core.plugin.PluginHost;
import org.kmemu.core.plugin.PluginProblem;
import org.kmemu.core.proc.DebugFs;
import org.kmemu.core.proc.ProcFs;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code kmemu} command line. Every command loads the plugins, reads the config (with the
 * plugins' defaults under it), boots the machine and shows one view of it. With no command it boots
 * and prints the boot log.
 *
 * <p>The common options ({@code -c}, {@code -D}, {@code --plugins}) are inherited: they mean the
 * same before and after the command's name ({@code kmemu -c F proc meminfo} is
 * {@code kmemu proc meminfo -c F}); a single-valued one given on both sides is a usage error. Every
 * command takes {@code --help}, and {@code kmemu help COMMAND} prints its help too.
 *
 * <p>Exit codes: 0 success, 1 a config or plugin selection error (one line on stderr naming the
 * file and line), a machine too big for the Java heap, or the heap running out (one line saying how to
 * give it more), 2 a usage error.
 */
@Command(name = "kmemu", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Emulates the Linux kernel's memory management on a chosen architecture.",
        subcommands = {Main.BootCommand.class, Main.ProcCommand.class, Main.DebugFsCommand.class, Main.LayoutCommand.class, Main.MemmapCommand.class, Main.TranslateCommand.class,
            Main.DemoCommand.class, Main.PluginsCommand.class, Main.ConfigCommand.class, ExperimentCommand.class, TraceCommand.class,
            ShellCommand.class, HelpCommand.class,
            AutoComplete.GenerateCompletion.class})
public final class Main implements Callable<Integer> {

    @Mixin
    Options options;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs the command line without exiting, for tests and embedding.
     *
     * @param args the arguments
     * @param out  standard output
     * @param err  standard error
     * @return the exit code
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            if (ex instanceof ConfigException || ex instanceof HeapTooSmallException) {
                line.getErr().println("kmemu: " + ex.getMessage());
                line.getErr().flush();
                return 1;
            }
            throw ex;
        });
        cl.setExecutionStrategy(parsed -> {
            refuseRepeatedInheritedOptions(parsed);
            ((Main) parsed.commandSpec().userObject()).options.plugins = pluginsOnEitherSide(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            // The estimate (HeapBudget) was passed but the heap ran out anyway: a workload, a third party's
            // policy, or the check turned off. The machine is unreachable once the command has unwound,
            // so there is room to say it in one line.
            err.println(outOfHeap(Runtime.getRuntime().maxMemory()));
            code = 1;
        }
        out.flush();
        err.flush();
        return code;
    }

    /**
     * @param maxHeapBytes this JVM's {@code Runtime.maxMemory()}
     * @return the line for a run that ran out of heap: what the JVM had and an {@code -Xmx} of twice that
     */
    static String outOfHeap(long maxHeapBytes) {
        String xmx = HeapBudget.xmx(2 * maxHeapBytes);
        return "kmemu: out of Java heap: this JVM has " + HeapBudget.size(maxHeapBytes) + ", too little for this machine and"
                + " what ran on it: give it more with KMEMU_JAVA_OPTS=" + xmx + " ./kmemu ...";
    }

    /**
     * Builds the command line with the help texts that are computed, not written: {@code proc}'s
     * summary lists the files its NAME completes to ({@link ProcCommand.Names}), so the help cannot
     * drift from {@link ProcFs#names()}.
     *
     * @return the {@code kmemu} command line, not yet run
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        CommandSpec proc = cl.getSubcommands().get("proc").getCommandSpec();
        List<String> names = new java.util.ArrayList<>();
        proc.positionalParameters().get(0).completionCandidates().forEach(names::add);
        proc.usageMessage().description("Boot, then print a /proc file NAME: " + String.join(", ", names) + ".",
                "slabinfo is absent with SLOB (as in Linux).");
        cl.getSubcommands().get("debugfs").getCommandSpec().usageMessage().description(
                "Boot, then print a file NAME under /sys/kernel/debug: " + String.join(", ", DebugFs.names()) + ".",
                "extfrag/unusable_index: the share of free memory in blocks too small for each order (0 to 1);"
                    + " extfrag/extfrag_index: towards 0 where a failure at an order would be for lack of memory,"
                    + " towards 1 for lack of contiguity, -1 where a block is free (mm/vmstat.c).");
        return cl;
    }

    /**
     * Refuses a single-valued common option given both before and after a command name, as picocli
     * refuses one given twice on the same side: the two would otherwise silently disagree.
     *
     * @param top the parse result of the whole command line
     * @throws ParameterException naming the option and the two places
     */
    static void refuseRepeatedInheritedOptions(ParseResult top) {
        Map<String, String> seenIn = new LinkedHashMap<>();
        for (ParseResult pr = top; pr != null; pr = pr.subcommand()) {
            for (OptionSpec o : pr.matchedOptions()) {
                if (o.isMultiValue() || !(o.inherited() || o.scopeType() == ScopeType.INHERIT)) {
                    continue;
                }
                String where = pr.commandSpec().qualifiedName();
                String before = seenIn.putIfAbsent(o.longestName(), where);
                if (before != null) {
                    throw new ParameterException(pr.commandSpec().commandLine(), "option '" + o.longestName()
                            + "' should be specified only once (given to '" + before + "' and to '" + where + "')");
                }
            }
        }
    }

    /**
     * Every {@code --plugins} directory, before the command's name then after it: picocli would keep
     * only the subcommand's values of a repeatable inherited option (it starts the list afresh there).
     *
     * @param top the parse result of the whole command line
     * @return the directories in the order given
     */
    static List<Path> pluginsOnEitherSide(ParseResult top) {
        List<Path> dirs = new java.util.ArrayList<>();
        for (ParseResult pr = top; pr != null; pr = pr.subcommand()) {
            OptionSpec o = pr.matchedOption("--plugins");
            if (o != null) {
                o.originalStringValues().forEach(v -> dirs.add(Paths.get(v)));
            }
        }
        return dirs;
    }

    @Override
    public Integer call() {
        return new BootCommand().run(options, spec.commandLine());
    }

    /**
     * The options every command takes, declared once on {@code kmemu} and inherited by every
     * subcommand: wherever given, picocli stores them here, in the top command's instance.
     */
    static final class Options {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = ScopeType.INHERIT,
                description = "Machine config (HOCON). Default: config/default.conf of the kmemu installation.")
        Path config;

        @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "", scope = ScopeType.INHERIT,
                description = "Override any config key, e.g. -D kmemu.cpus=4 (repeatable).")
        Map<String, String> overrides = new LinkedHashMap<>();

        @Option(names = "--plugins", paramLabel = "DIR", scope = ScopeType.INHERIT,
                description = {"A directory of plugin jars (repeatable: searched in the order given; replaces kmemu.plugins.dir).",
                    "A Maven target/ directory works: its sources, javadoc, test and original-* jars are skipped."})
        List<Path> plugins = new java.util.ArrayList<>();

        /** Loads plugins and config, and boots. */
        Session open(CommandLine cl) {
            ConfigLoader.UserConfig user = userConfig();
            PluginHost host = loadPlugins(cl, user);
            ResolvedConfig resolved = user.resolve(host.referenceConfigs());
            return new Session(host, resolved);
        }

        /** The user's file and -D, not yet checked against the plugins' references. */
        ConfigLoader.UserConfig userConfig() {
            return ConfigLoader.user(config != null ? config : defaultConfig(), overrides);
        }

        /** Loads the plugins of --plugins or kmemu.plugins.dir, reporting each problem on stderr. */
        PluginHost loadPlugins(CommandLine cl, ConfigLoader.UserConfig user) {
            PluginHost host = PluginHost.load(pluginsDirs(user));
            for (PluginProblem p : host.problems()) {
                cl.getErr().println("kmemu: plugin error: " + p);
            }
            return host;
        }

        /** @return the directories of --plugins if given, else kmemu.plugins.dir (a string or a list of strings) */
        List<Path> pluginsDirs(ConfigLoader.UserConfig user) {
            if (!plugins.isEmpty()) {
                return plugins;
            }
            return user.stringsOr("kmemu.plugins.dir", List.of(defaultPluginsDir())).stream().map(Paths::get).toList();
        }

        /** Where {@link #pluginsDirs} came from, for {@code kmemu config}'s comment beside it. */
        String pluginsDirOrigin(ConfigLoader.UserConfig user) {
            if (!plugins.isEmpty()) {
                return "command line (--plugins)";
            }
            String set = user.originOf("kmemu.plugins.dir");
            if (set != null) {
                return set;
            }
            return System.getProperty("kmemu.plugins.dir") != null ? "the kmemu launcher's plugins directory"
                    : "kmemu-core reference.conf (relative to the current directory)";
        }

        private static Path defaultConfig() {
            String home = System.getProperty("kmemu.home");
            if (home == null) {
                return null;
            }
            Path p = Paths.get(home, "config", "default.conf");
            return Files.isRegularFile(p) ? p : null;
        }

        private static String defaultPluginsDir() {
            String dir = System.getProperty("kmemu.plugins.dir");
            return dir != null ? dir : "plugins";
        }
    }

    /** Plugins and config of one run. */
    record Session(PluginHost host, ResolvedConfig config) {
        Machine boot() {
            return Kmemu.boot(host, config);
        }
    }

    /**
     * What every subcommand has: the common options (inherited from {@code kmemu}, read from its
     * instance) and the picocli model of itself.
     */
    abstract static class MachineCommand implements Callable<Integer> {
        @ParentCommand
        Main parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run(parent.options, spec.commandLine());
        }

        /**
         * @param opts the options given
         * @param cl   the command line, for its output streams
         * @return the exit code
         */
        abstract int run(Options opts, CommandLine cl);
    }

    /** {@code kmemu boot}: the boot log, as dmesg prints it. */
    @Command(name = "boot", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Boot the machine and print the kernel's boot log.")
    static final class BootCommand extends MachineCommand {
        @Override
        int run(Options opts, CommandLine cl) {
            Machine m = opts.open(cl).boot();
            for (KernelLogBuffer.Line line : m.log().lines()) {
                cl.getOut().println(line.format());
            }
            return 0;
        }
    }

    /** {@code kmemu proc NAME}: one /proc file after boot. */
    @Command(name = "proc", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Boot, then print a /proc file NAME (the list is set by Main.commandLine()).")
    static final class ProcCommand extends MachineCommand {
        @Parameters(index = "0", paramLabel = "NAME", completionCandidates = Names.class,
                description = "The /proc file: ${COMPLETION-CANDIDATES}. Or a task's PID/maps or PID/smaps"
                        + " (self/maps, self/smaps: the task CPU 0 runs).")
        String name;

        /** The /proc files kmemu has, for completion and for the help texts: {@link ProcFs#names()}. */
        static final class Names implements Iterable<String> {
            @Override
            public Iterator<String> iterator() {
                return ProcFs.names().iterator();
            }
        }

        @Override
        int run(Options opts, CommandLine cl) {
            if (!ProcFs.isName(name)) {
                cl.getErr().println("kmemu: no such /proc file: " + name + " (expected one of: " + String.join(", ", ProcFs.names())
                        + "; or PID/maps, PID/smaps, self/maps, self/smaps)");
                return 2;
            }
            ProcFs proc = new ProcFs(opts.open(cl).boot());
            if (!proc.exists(name)) {
                // The file is not there on this kernel (SLOB has no /proc/slabinfo; no task has that pid): as cat(1) says it.
                cl.getErr().println("cat: /proc/" + name + ": No such file or directory");
                return 1;
            }
            cl.getOut().print(proc.read(name));
            return 0;
        }
    }

    /** {@code kmemu debugfs NAME}: one of the memory files under /sys/kernel/debug. */
    @Command(name = "debugfs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Boot, then print a debugfs file NAME (the list is set by Main.commandLine()).")
    static final class DebugFsCommand extends MachineCommand {
        @Parameters(index = "0", paramLabel = "NAME", completionCandidates = Names.class,
                description = "The debugfs file: ${COMPLETION-CANDIDATES}.")
        String name;

        /** The debugfs files kmemu has: {@link DebugFs#names()}. */
        static final class Names implements Iterable<String> {
            @Override
            public Iterator<String> iterator() {
                return DebugFs.names().iterator();
            }
        }

        @Override
        int run(Options opts, CommandLine cl) {
            if (!DebugFs.names().contains(name)) {
                cl.getErr().println("kmemu: no such debugfs file: " + name + " (expected one of: " + String.join(", ", DebugFs.names()) + ")");
                return 2;
            }
            cl.getOut().print(new DebugFs(opts.open(cl).boot()).read(name));
            return 0;
        }
    }

    /** {@code kmemu layout}: the kernel's virtual memory layout. */
    @Command(name = "layout", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Boot, then print the kernel's virtual memory layout.")
    static final class LayoutCommand extends MachineCommand {
        @Override
        int run(Options opts, CommandLine cl) {
            for (String line : LayoutReport.lines(opts.open(cl).boot())) {
                cl.getOut().println(line);
            }
            return 0;
        }
    }

    /** {@code kmemu memmap}: the heap struct page costs per frame. */
    @Command(name = "memmap", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Boot, then print what struct page costs, per frame, against Linux's 64 bytes.",
        "The cost is the heap of every per-frame structure (page frames and the page allocator's)."})
    static final class MemmapCommand extends MachineCommand {
        @Option(names = "--populate", description = "Also make every section's lazy fields, as if every frame were in use, and print again.")
        boolean populate;

        @Override
        int run(Options opts, CommandLine cl) {
            for (String line : MemmapReport.lines(opts.open(cl).boot(), populate)) {
                cl.getOut().println(line);
            }
            return 0;
        }
    }

    /** {@code kmemu translate ADDR}: one address through the kernel page tables and a CPU's MMU. */
    @Command(name = "translate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {"Boot, then translate a virtual address through the kernel page tables.",
        "Prints each level's index, entry and bits, then the physical address or the kernel's page-fault report.",
        "Exit code 0 when the access translates, 1 when it faults."})
    static final class TranslateCommand extends MachineCommand {
        @Parameters(index = "0", paramLabel = "ADDR", description = "The virtual address, e.g. 0xc0100000.")
        String address;

        @Option(names = "--access", paramLabel = "KIND", description = "read (default), write or exec.")
        String access = "read";

        @Option(names = "--user", description = "Access in user mode instead of kernel mode.")
        boolean user;

        @Override
        int run(Options opts, CommandLine cl) {
            long vaddr;
            try {
                vaddr = Long.parseUnsignedLong(address.toLowerCase(java.util.Locale.ROOT).replaceFirst("^0x", ""), 16);
            } catch (NumberFormatException e) {
                cl.getErr().println("kmemu: translate: \"" + address + "\" is not an address (expected: hexadecimal, e.g. 0xc0100000)");
                return 2;
            }
            org.kmemu.api.Access kind;
            try {
                kind = org.kmemu.api.Access.valueOf(access.equals("exec") ? "EXECUTE" : access.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                cl.getErr().println("kmemu: translate: --access " + access + " (expected one of: read, write, exec)");
                return 2;
            }
            Machine m = opts.open(cl).boot();
            VirtualAddressWidth width = new VirtualAddressWidth(m.arch());
            if (!width.contains(vaddr)) {
                cl.getErr().println("kmemu: translate: " + width.refusal(vaddr));
                return 2;
            }
            for (String line : TranslateReport.lines(m, vaddr, kind, user)) {
                cl.getOut().println(line);
            }
            return TranslateReport.translates(m, vaddr, kind, user) ? 0 : 1;
        }
    }

    /** {@code kmemu demo [NAME]}: the list of demos, or one demo run on the machine. */
    @Command(name = "demo", versionProvider = Main.Version.class, description = "Without NAME, list the demos. With NAME, boot and run that demo, printing each step"
            + " (the call in kernel syntax, the pages, zones, counts, faults). NAME --help describes one demo.")
    static final class DemoCommand extends MachineCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The demo to run.")
        String name;

        @Option(names = {"-h", "--help"}, description = "Describe the demo (or, without NAME, list them) and exit.")
        boolean help;

        @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
        boolean version;

        @Override
        int run(Options opts, CommandLine cl) {
            PrintWriter out = cl.getOut();
            if (name == null) {
                if (help) {
                    cl.usage(out);
                    out.println();
                }
                out.println("Demos (run one with: kmemu demo NAME [-c FILE]; describe it with: kmemu demo NAME --help):");
                Demos.listing().forEach(out::println);
                return 0;
            }
            Demo demo = Demos.find(name);
            if (demo == null) {
                PrintWriter err = cl.getErr();
                java.util.List<String> near = Demos.nearMisses(name);
                err.println("kmemu: demo: no such demo: " + name + (near.isEmpty() ? "" : " (did you mean: " + String.join(", ", near) + "?)"));
                err.println("Demos:");
                Demos.listing().forEach(err::println);
                return 2;
            }
            if (help) {
                out.println("Usage: kmemu demo " + demo.name() + " [-c FILE] [-D KEY=VALUE]...");
                out.println(demo.summary());
                out.println();
                demo.description().forEach(out::println);
                return 0;
            }
            demo.run(opts.open(cl).boot(), out);
            return 0;
        }
    }

    /** {@code kmemu plugins}: what the plugin host loaded. */
    @Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "List the plugins loaded, their extensions and versions.")
    static final class PluginsCommand extends MachineCommand {
        @Override
        int run(Options opts, CommandLine cl) {
            // The plugins alone: a machine file naming a plugin that is not there must not stop the listing.
            ConfigLoader.UserConfig user = opts.userConfig();
            PluginHost host = opts.loadPlugins(cl, user);
            PrintWriter out = cl.getOut();
            out.println("kmemu " + PluginHost.projectVersion() + " (plugin API " + PluginHost.systemVersion() + ")");
            if (host.plugins().isEmpty()) {
                out.println("no plugins in " + host.directories().stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", ")));
            } else {
                out.println("Plugins:");
            }
            for (LoadedPlugin p : host.plugins()) {
                out.printf("  %-10s %-16s %-8s requires %-18s %s%n", p.id(), p.version(), p.state(), p.requires(), p.jar());
            }
            // Grouped by extension point, from the registry: a new extension point shows up here by itself.
            ExtensionRegistry registry = host.registry();
            for (Class<? extends KmemuExtension> point : registry.points()) {
                out.println(point.getSimpleName() + " (" + ExtensionRegistry.info(point).selectedBy() + "):");
                var extensions = new java.util.ArrayList<>(registry.extensions(point));
                extensions.sort(java.util.Comparator.comparing(ExtensionRegistry.Extension::id));
                if (extensions.isEmpty()) {
                    out.println("  none loaded");
                }
                for (ExtensionRegistry.Extension<?> e : extensions) {
                    out.printf("  %-10s %s [%s]%n", e.id(), e.instance().description(), e.builtIn() ? "built into kmemu" : "plugin " + e.plugin());
                }
            }
            return 0;
        }
    }

    /** {@code kmemu config}: the resolved configuration, as a machine file that boots the same machine. */
    @Command(name = "config", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
        "Print the machine's configuration as a complete machine file: every key it reads (your file and -D over all"
            + " defaults), each with where it was set, and the plugin directory used.",
        "kmemu config ... > my.conf; kmemu boot -c my.conf boots the same machine."})
    static final class ConfigCommand extends MachineCommand {
        @Override
        int run(Options opts, CommandLine cl) {
            ConfigLoader.UserConfig user = opts.userConfig();
            PluginHost host = opts.loadPlugins(cl, user);
            ResolvedConfig resolved = user.resolve(host.referenceConfigs());
            cl.getOut().print(resolved.machineFile(opts.pluginsDirs(user), opts.pluginsDirOrigin(user)));
            return 0;
        }
    }

    /** Reports kmemu's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"kmemu " + PluginHost.projectVersion() + " (plugin API " + PluginHost.systemVersion() + ")"};
        }
    }
}
