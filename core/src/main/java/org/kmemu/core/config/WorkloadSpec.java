package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;

/**
 * A workload given on the command line ({@code --workload SPEC}): the name of a HOCON file that holds a
 * {@code workload { ... }} block (an experiment file will do), or the block's content inline, e.g.
 * {@code 'type = synthetic, events = 10000'} (a {@code workload { }} around it is allowed too).
 *
 * <p>Errors name where: {@code file:line} for a file, {@code command line (--workload)} for inline text,
 * as every config error does ({@link ParseErrors}).
 *
 * @param settings the {@code workload} block, as a workload's {@code prepare} reads it
 * @param file     the file it came from, or null for inline text (relative input files are read from
 *                 the file's directory, or from the current directory)
 */
public record WorkloadSpec(ConfigView settings, Path file) {
    /** How inline text's errors name it. */
    static final String INLINE = "command line (--workload)";

    /**
     * @param spec a file name or inline HOCON
     * @return the workload block
     * @throws ConfigException if it does not parse, or has no {@code type}, naming where
     */
    public static WorkloadSpec parse(String spec) {
        // A file if there is one by that name, or if it cannot be settings (no '=', ':' or '{'): then it is a missing file.
        Path file = spec.isBlank() || spec.indexOf('\0') >= 0 ? null : Path.of(spec);
        boolean isFile = file != null && (Files.isRegularFile(file) || !spec.matches("(?s).*[=:{].*"));
        Config root;
        try {
            if (isFile) {
                if (!Files.isRegularFile(file)) {
                    throw new ConfigException(spec + ": no such workload file (expected: a HOCON file with a workload { ... } block,"
                            + " or the block's settings inline, e.g. 'type = synthetic, events = 10000')");
                }
                Path named = file.getParent() == null ? Path.of(".").resolve(file) : file;
                root = ConfigFactory.parseFile(named.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
                if (!root.hasPath("workload")) {
                    throw new ConfigException(spec + ": no workload { ... } block (expected: workload { type = ..., ... })");
                }
            } else {
                Config inline = ConfigFactory.parseString(spec, ConfigParseOptions.defaults().setOriginDescription(INLINE)).resolve();
                root = inline.hasPath("workload") && inline.getValue("workload").valueType() == ConfigValueType.OBJECT
                        ? inline : inline.atKey("workload");
            }
        } catch (com.typesafe.config.ConfigException e) {
            throw ParseErrors.translate(e);
        }
        ConfigView settings = new TypesafeConfigView(root, "workload");
        if (!settings.hasPath("type")) {
            throw settings.error("type", "no type (expected: type = trace, synthetic, script or a plugin's workload)");
        }
        return new WorkloadSpec(settings, isFile ? file : null);
    }
}
