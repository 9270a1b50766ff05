package org.kmemu.core.workload;

/** A trace line kmemu cannot read: the message starts with the line number. */
public final class TraceFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int line;
    private final String problem;

    /**
     * @param line    the line number, from 1
     * @param message what is wrong with it
     */
    public TraceFormatException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
        this.problem = message;
    }

    /** @return the line number, from 1 */
    public int line() {
        return line;
    }

    /** @return what is wrong with the line, without its number */
    public String problem() {
        return problem;
    }
}
