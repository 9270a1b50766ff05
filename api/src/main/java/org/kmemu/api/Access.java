package org.kmemu.api;

/** The kind of memory access that is translated, and that a page fault reports. */
public enum Access {
    /** A data load. */
    READ,
    /** A data store. */
    WRITE,
    /** An instruction fetch. */
    EXECUTE
}
