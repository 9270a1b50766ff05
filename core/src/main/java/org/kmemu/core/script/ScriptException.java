package org.kmemu.core.script;

/**
 * A script that did not compile or threw: the message starts with the script's {@code file:line}, as a
 * config error does, then says what went wrong (javac's diagnostic, or the exception's class and
 * message). A {@link RuntimeException}, so that a workload run that hits it ends as failed with this
 * message ({@link org.kmemu.api.WorkloadRun}).
 */
public final class ScriptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message {@code file:line: what} */
    public ScriptException(String message) {
        super(message);
    }
}
