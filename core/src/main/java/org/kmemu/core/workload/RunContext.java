package org.kmemu.core.workload;

import java.nio.file.Path;
import org.kmemu.api.WorkloadContext;

/**
 * The host's {@link WorkloadContext}: what the experiment runner (or a CLI command) tells a workload
 * about the run it prepares.
 *
 * @param seed      the run's seed
 * @param cpus      the CPU count of the machine the run is for
 * @param directory the directory relative file names are read from: the experiment file's
 */
public record RunContext(long seed, int cpus, Path directory) implements WorkloadContext {
    /** Checks the CPU count and makes the directory absolute. */
    public RunContext {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus " + cpus + " < 1");
        }
        directory = directory.toAbsolutePath().normalize();
    }

    /**
     * @param experimentFile the experiment file
     * @param seed           the run's seed
     * @param cpus           the machine's CPU count
     * @return the context whose relative names are read beside {@code experimentFile}
     */
    public static RunContext beside(Path experimentFile, long seed, int cpus) {
        Path dir = experimentFile.toAbsolutePath().getParent();
        return new RunContext(seed, cpus, dir != null ? dir : Path.of("").toAbsolutePath());
    }

    @Override
    public Path resolve(String file) {
        return directory.resolve(file).normalize();
    }
}
