package org.kmemu.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmemu.core.Kmemu;
import org.kmemu.core.machine.Machine;

/**
 * Spark in local mode, two executor threads, each task booting a machine from the bundled plugins: the
 * plugin jars found by {@link BundledPlugins}, PF4J loading them on an executor thread, the api classes
 * shared with the host. Boots are deterministic, so every task's machine equals the driver's.
 */
class LocalSparkBootTest {
    private static JavaSparkContext spark;

    @BeforeAll
    static void startSpark() {
        spark = new JavaSparkContext(LocalSpark.conf("LocalSparkBootTest"));
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void everyTaskBootsTheSameMachineFromTheBundledPlugins() {
        String machine = LocalSpark.root().resolve("config/machines/x86_64.conf").toString();  // a Path is not Serializable
        Map<String, String> overrides = Map.of("kmemu.memory.size", "256M", "kmemu.machine.object-allocator", "slab");
        String onDriver = describe(Kmemu.boot(Path.of(machine), overrides, BundledPlugins.directory()));

        List<String> onExecutors = spark.parallelize(List.of(0, 1, 2, 3), 4)
                .map(i -> describe(Kmemu.boot(Path.of(machine), overrides, BundledPlugins.directory())))
                .collect();

        assertThat(onDriver).startsWith("x86_64 buddy ");
        assertThat(onExecutors).hasSize(4).containsOnly(onDriver);
    }

    private static String describe(Machine m) {
        return m.arch().id() + " " + m.pageAllocatorId() + " " + m.totalRamPages() + " " + m.nrFreePages();
    }
}
