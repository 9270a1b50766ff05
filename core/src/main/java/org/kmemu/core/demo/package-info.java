/**
 * {@code kmemu demo}: runnable scenarios that answer the kernel memory documents' questions (a driver
 * reaching a user buffer through GUP and kmap, what GUP's write and force change, copy_to_user's short
 * count at a hole by the direct and the i386 4G/4G paths, fork's copy-on-write), each printed step by step
 * with the kernel's names. {@link org.kmemu.core.demo.Demo} is the contract, {@link org.kmemu.core.demo.Demos}
 * the registry; the rest is package-private: the user process a demo drives, the fault log that watches
 * the fault paths without changing them, and the page and step formatting.
 */
package org.kmemu.core.demo;
