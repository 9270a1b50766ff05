package org.kmemu.core.script;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;
import org.kmemu.api.KernelCalls;
import org.kmemu.core.machine.Machine;

/**
 * Runs a JShell script against a booted machine, in this JVM and on the calling thread, snippet by
 * snippet, as {@code jshell FILE} would, with {@link ScriptBindings}' names bound: the {@code script}
 * workload and {@code kmemu shell --script}.
 *
 * <p><b>Why direct execution.</b> JShell's {@code local} engine runs each snippet in a new thread; a
 * workload run owns all its machine's CPUs on its one thread (kmemu.debug.percpu reports another live
 * thread using a CPU), so snippets run on the caller's thread through
 * {@link DirectExecutionControl}, the base of JShell's local engine: the same JVM, the same objects.
 *
 * <p><b>Errors.</b> The first snippet that does not compile, or that throws, stops the script with a
 * {@link ScriptException} naming the script's file and line: for a compile error the line of javac's
 * diagnostic; for an exception the line of the innermost script frame (a method the script declared)
 * or else of the statement that threw. Declarations kept from earlier snippets stay.
 *
 * <p>What a script prints goes to this JVM's {@code System.out}.
 */
public final class JShellScript {
    private final String file;
    private final String source;

    /**
     * @param file   the name errors give, e.g. {@code "config/scripts/slabinfo.jsh"}
     * @param source the script's text
     */
    public JShellScript(String file, String source) {
        this.file = file;
        this.source = source;
    }

    /**
     * Runs the script.
     *
     * @param machine the booted machine, bound as {@code machine}
     * @param kernel  its kernel calls, bound as {@code kernel}
     * @return snippets run
     * @throws ScriptException for a compile error or an exception, naming the file and line
     */
    public int run(Machine machine, KernelCalls kernel) {
        long key = ScriptBindings.bind(machine, kernel);
        try (JShell js = JShell.builder().executionEngine(new Direct(), Map.of()).build()) {
            for (String entry : classPath()) {
                js.addToClasspath(entry);
            }
            for (String line : ScriptBindings.preamble(key)) {
                eval(js, line, 0, "kmemu's preamble");
            }
            return evalAll(js);
        } finally {
            ScriptBindings.unbind(key);
        }
    }

    private int evalAll(JShell js) {
        SourceCodeAnalysis analysis = js.sourceCodeAnalysis();
        String rest = source;
        int line = 1;
        int snippets = 0;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            if (!ci.completeness().isComplete() && ci.completeness() != SourceCodeAnalysis.Completeness.EMPTY) {
                throw new ScriptException(file + ":" + (line + leadingNewlines(rest)) + ": the script ends inside this statement"
                        + " (expected: a complete statement or declaration, with its ';' and closing brackets)");
            }
            String consumed = rest.substring(0, rest.length() - ci.remaining().length());
            int start = line + leadingNewlines(consumed);
            switch (ci.completeness()) {
                case EMPTY -> {
                    return snippets; // only comments left
                }
                case COMPLETE, COMPLETE_WITH_SEMI, UNKNOWN -> { // UNKNOWN: javac says what is wrong
                    eval(js, ci.source(), start, null);
                    snippets++;
                }
                default -> throw new IllegalStateException("jshell: " + ci.completeness());
            }
            line += count(consumed, '\n');
            rest = ci.remaining();
        }
        return snippets;
    }

    /** The snippet ids' first lines, to place an exception's frames. */
    private final Map<String, Integer> firstLines = new HashMap<>();

    private void eval(JShell js, String snippet, int firstLine, String internal) {
        for (SnippetEvent ev : js.eval(snippet)) {
            if (ev.causeSnippet() != null) {
                continue; // an update of an earlier snippet, not this one's outcome
            }
            firstLines.put(ev.snippet().id(), firstLine);
            if (ev.status() == Snippet.Status.REJECTED) {
                Diag d = js.diagnostics(ev.snippet()).filter(Diag::isError).findFirst().orElse(null);
                String what = d == null ? "does not compile" : d.getMessage(null).lines().map(l -> l.strip().replaceAll("\\s+", " "))
                        .filter(l -> !l.isEmpty() && !l.startsWith("location:")).collect(Collectors.joining("; "));
                int at = d == null ? firstLine : firstLine + count(snippet.substring(0, (int) Math.max(0, Math.min(
                        snippet.length(), d.getStartPosition()))), '\n') - leadingNewlines(snippet);
                throw new ScriptException(where(internal, at) + ": error: " + what);
            }
            if (ev.status() == Snippet.Status.RECOVERABLE_DEFINED || ev.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                String missing = js.unresolvedDependencies((jdk.jshell.DeclarationSnippet) ev.snippet())
                        .collect(Collectors.joining(", "));
                throw new ScriptException(where(internal, firstLine) + ": error: cannot find symbol: " + missing);
            }
            if (ev.exception() != null) {
                throw new ScriptException(where(internal, lineOf(ev.exception(), firstLine)) + ": " + describe(ev.exception()));
            }
        }
    }

    private String where(String internal, int line) {
        return internal != null ? file + ": " + internal : file + ":" + line;
    }

    /** The innermost frame in a snippet ({@code "#7"}, line counted from the snippet's first non-blank line). */
    private int lineOf(Exception e, int fallback) {
        for (StackTraceElement f : e.getStackTrace()) {
            String name = f.getFileName();
            if (name != null && name.startsWith("#") && f.getLineNumber() > 0) {
                Integer first = firstLines.get(name.substring(1));
                if (first != null && first > 0) {
                    return first + f.getLineNumber() - 1;
                }
            }
        }
        return fallback;
    }

    private static String describe(Exception e) {
        if (e instanceof EvalException ee) {
            return ee.getExceptionClassName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
        if (e instanceof UnresolvedReferenceException ure) {
            return "error: " + ure.getSnippet().source().lines().findFirst().orElse("") + " is not defined yet";
        }
        return e.toString();
    }

    private static int leadingNewlines(String s) {
        int n = 0;
        for (int i = 0; i < s.length() && Character.isWhitespace(s.charAt(i)); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        // A leading comment is part of the snippet: its lines count until the first code.
        String t = s.stripLeading();
        while (t.startsWith("//") || t.startsWith("/*")) {
            int end = t.startsWith("//") ? t.indexOf('\n') : t.indexOf("*/");
            if (end < 0) {
                break;
            }
            String comment = t.substring(0, end + (t.startsWith("//") ? 0 : 2));
            n += count(comment, '\n');
            String after = t.substring(comment.length());
            String stripped = after.stripLeading();
            n += count(after.substring(0, after.length() - stripped.length()), '\n');
            t = stripped;
        }
        return n;
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }

    /**
     * What the snippets compile against: this JVM's class path and the jars of the classes a script
     * sees (kmemu's core and api, and their supertypes' libraries), since the launcher or a test runner
     * may give the classes by a manifest or a wildcard that {@code java.class.path} does not spell out.
     *
     * @return class path entries, each once
     */
    static List<String> classPath() {
        Set<String> out = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isBlank()) {
                out.add(e);
            }
        }
        for (Class<?> c : new Class<?>[] {Machine.class, KernelCalls.class, org.pf4j.ExtensionPoint.class,
            com.typesafe.config.Config.class, org.slf4j.Logger.class}) {
            CodeSource cs = c.getProtectionDomain().getCodeSource();
            if (cs != null && cs.getLocation() != null) {
                try {
                    out.add(Path.of(cs.getLocation().toURI()).toString());
                } catch (URISyntaxException | IllegalArgumentException e) {
                    // not a file: the class path above must do
                }
            }
        }
        return List.copyOf(out);
    }

    /** JShell's execution engine: {@link DirectExecutionControl}, the snippets on the caller's thread. */
    private static final class Direct implements ExecutionControlProvider {
        @Override
        public String name() {
            return "kmemu-direct";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return new DirectExecutionControl();
        }
    }
}
