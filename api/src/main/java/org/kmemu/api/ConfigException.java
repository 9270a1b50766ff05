package org.kmemu.api;

/**
 * A configuration value is missing, of the wrong type or out of range.
 *
 * <p>The message always names where the value came from ({@code file:line}, or "reference.conf of
 * plugin X") and what was expected, e.g.
 * {@code "config/machines/i386.conf:7: kmemu.memory.size: 4000kB is not a whole number of 4096-byte pages"}.
 * It is thrown before boot, so nothing has run when a user sees it.
 */
public class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the full, user-facing message, origin first */
    public ConfigException(String message) {
        super(message);
    }

    /**
     * @param message the full, user-facing message, origin first
     * @param cause   the parser's own exception, kept for debugging
     */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
