/**
 * The /proc files about memory, rendered from a booted {@link org.kmemu.core.machine.Machine} in the
 * kernel's own formats: {@link org.kmemu.core.proc.ProcFs} is the entry point; each file has one
 * package-private renderer that cites the kernel function it follows (mm/vmstat.c, kernel/resource.c,
 * fs/proc/meminfo.c). Counters for things kmemu does not model yet print 0, as they would on a
 * kernel where nothing of that kind exists; each renderer lists which of its numbers are real.
 */
package org.kmemu.core.proc;
