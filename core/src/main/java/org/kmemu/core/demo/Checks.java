package org.kmemu.core.demo;

import java.util.Objects;

/**
 * What a demo expects of the kernel it shows: when the kernel does something else the demo stops with
 * the difference, rather than print a story that is not what happened.
 */
final class Checks {
    private Checks() {
    }

    /** @throws IllegalStateException unless actual equals expected */
    static void equal(Object actual, Object expected, String what) {
        if (!Objects.equals(actual, expected)) {
            throw new IllegalStateException(what + ": " + actual + " (expected: " + expected + ")");
        }
    }

    /** @throws IllegalStateException unless actual equals expected */
    static void equal(long actual, long expected, String what) {
        if (actual != expected) {
            throw new IllegalStateException(what + ": " + actual + " (expected: " + expected + ")");
        }
    }

    /** @throws IllegalStateException for a negative result (an errno) */
    static void positive(long result, String what) {
        if (result < 0) {
            throw new IllegalStateException(what + ": " + result + " (expected: an address, not an errno)");
        }
    }

    /** @throws IllegalStateException unless the condition holds */
    static void that(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException(what);
        }
    }
}
