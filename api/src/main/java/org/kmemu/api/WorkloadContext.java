package org.kmemu.api;

import java.nio.file.Path;

/**
 * What a {@link Workload} is told about the run it prepares: the seed of its random choices, how many
 * CPUs the machine has, and where the experiment file lies (relative input file names are read from
 * there, as HOCON's includes are).
 *
 * <p><b>Who calls it.</b> A workload's {@link Workload#prepare}, on the thread that prepares the run.
 *
 * @since 1.2
 */
@HostProvided
public interface WorkloadContext {

    /** @return the run's seed: the same seed must give the same stream of calls */
    long seed();

    /** @return how many CPUs the machine the run is for has */
    int cpus();

    /**
     * @param file a file name from the settings, absolute or relative to the experiment file
     * @return the file's absolute path
     */
    Path resolve(String file);
}
