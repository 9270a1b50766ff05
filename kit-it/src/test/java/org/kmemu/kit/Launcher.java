package org.kmemu.kit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./kmemu} launcher on the assembled distribution, as a plugin author would,
 * with {@code KMEMU_NO_BUILD=1} so that a test never starts a nested Maven build.
 */
final class Launcher {
    static final Path ROOT = Paths.get(System.getProperty("kmemu.root", "..")).toAbsolutePath().normalize();
    static final Path DIST = Paths.get(System.getProperty("kmemu.dist", "../distribution/target/kmemu"))
            .toAbsolutePath().normalize();

    private Launcher() {
    }

    /**
     * The outcome of one run.
     *
     * @param code   exit code
     * @param stdout standard output
     * @param stderr standard error
     */
    record Result(int code, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static Result run(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("kmemu").toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        pb.environment().put("KMEMU_NO_BUILD", "1");
        try {
            Path out = Files.createTempFile("kmemu-out", ".txt");
            Path err = Files.createTempFile("kmemu-err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kmemu " + String.join(" ", args) + " did not finish in 120 s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * A plugin directory as the guide builds one: the plugins kmemu ships, plus the given jars.
     *
     * @param dir  an empty directory
     * @param jars the third party's plugin jars
     * @return dir
     */
    static Path pluginDir(Path dir, Path... jars) throws IOException {
        try (var shipped = Files.list(DIST.resolve("plugins"))) {
            for (Path jar : shipped.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, dir.resolve(jar.getFileName()));
            }
        }
        for (Path jar : jars) {
            Files.copy(jar, dir.resolve(jar.getFileName()));
        }
        return dir;
    }
}
