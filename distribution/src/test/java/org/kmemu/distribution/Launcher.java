package org.kmemu.distribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code ./kmemu} launcher script on the assembled distribution, as a user would,
 * with {@code KMEMU_NO_BUILD=1} so that a test never starts a nested Maven build.
 */
final class Launcher {
    static final Path ROOT = Paths.get(System.getProperty("kmemu.root", "..")).toAbsolutePath().normalize();
    static final Path DIST = Paths.get(System.getProperty("kmemu.dist", "target/kmemu")).toAbsolutePath().normalize();

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

    static Result run(String... args) {
        return runIn(ROOT, args);
    }

    static Result runIn(Path cwd, String... args) {
        return runIn(cwd, Map.of(), args);
    }

    /**
     * @param env  environment variables set for this run, e.g. {@code KMEMU_JAVA_OPTS=-Xmx96m}
     * @param args the command line
     * @return the outcome
     */
    static Result runWith(Map<String, String> env, String... args) {
        return runIn(ROOT, env, args);
    }

    static Result runIn(Path cwd, Map<String, String> env, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("kmemu").toString());
        cmd.addAll(List.of(args));
        return exec(cmd, cwd, env);
    }

    /**
     * Runs any command as the launcher is run (output to files, a time limit), for tests that start a JVM of
     * their own, e.g. a program embedding kmemu.
     *
     * @param cmd the command and its arguments
     * @param cwd the working directory
     * @param env environment variables set for this run
     * @return the outcome
     */
    static Result exec(List<String> cmd, Path cwd, Map<String, String> env) {
        List<String> args = cmd.subList(1, cmd.size());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("KMEMU_NO_BUILD", "1");
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("kmemu-out", ".txt");
            Path err = Files.createTempFile("kmemu-err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("kmemu " + String.join(" ", args) + " did not finish in 120 s");
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
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
}
