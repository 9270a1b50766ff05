package org.kmemu.api;

/**
 * A translation that failed: what was accessed, how, and what the walk found. The core raises it;
 * the architecture turns it into the kernel's report ({@link ArchSpec#faultReport}).
 *
 * @param address     the faulting virtual address
 * @param access      read, write or instruction fetch
 * @param userMode    whether the CPU was in user mode
 * @param protection  true if a present entry forbade the access (x86 error code P=1), false if
 *                    some level was not present
 * @param reason      for protection faults, which rule was broken: "write to read-only",
 *                    "user access to supervisor page", "execute of NX page", "SMEP", "SMAP"; else "not present"
 * @param levelsRead  how many levels the walk read (entries beyond are not meaningful)
 * @param entries     the raw entry read at each level, root first (its array, not to be modified)
 * @param format      the format the entries are in, for decoding them in the report
 */
public record PageFault(long address, Access access, boolean userMode, boolean protection, String reason,
                        int levelsRead, long[] entries, PageTableFormat format) {
}
