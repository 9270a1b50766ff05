package org.kmemu.spark;

import java.nio.file.Path;
import org.apache.spark.SparkConf;

/** Spark in local mode for the tests: two executor threads, no UI, no shuffle service, loopback only. */
final class LocalSpark {
    private LocalSpark() {
    }

    static SparkConf conf(String name) {
        return new SparkConf()
                .setMaster("local[2]")
                .setAppName(name)
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
    }

    /** The repository's root (the reactor's directory), for the shipped machine files. */
    static Path root() {
        String root = System.getProperty("kmemu.root");
        return root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
    }
}
