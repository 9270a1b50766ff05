package org.kmemu.api;

/**
 * The kernel's printk levels, KERN_EMERG (0) to KERN_DEBUG (7), from include/linux/kern_levels.h.
 */
public enum LogLevel {
    /** KERN_EMERG: system is unusable. */
    EMERG,
    /** KERN_ALERT: action must be taken immediately. */
    ALERT,
    /** KERN_CRIT: critical conditions. */
    CRIT,
    /** KERN_ERR: error conditions, e.g. "BUG: Bad page state". */
    ERR,
    /** KERN_WARNING: e.g. "page allocation failure". */
    WARNING,
    /** KERN_NOTICE: normal but significant. */
    NOTICE,
    /** KERN_INFO: e.g. the boot-time "Memory: ..." line. */
    INFO,
    /** KERN_DEBUG: debug-level messages. */
    DEBUG
}
