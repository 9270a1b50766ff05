/**
 * Character-device drivers that share memory with a process through {@code ->mmap}, the three ways Linux
 * Device Drivers (ch. 15) and today's drivers do it: reserved kernel pages with remap_pfn_range
 * ({@link org.kmemu.core.driver.ReservedBufferDriver}), a vmalloc_user buffer with remap_vmalloc_range
 * ({@link org.kmemu.core.driver.VmallocUserDriver}), and a device's physical window with io_remap_pfn_range /
 * vm_iomap_memory ({@link org.kmemu.core.driver.IoMemDriver}, fb_mmap's way). Each {@code open} is a
 * {@link org.kmemu.core.mm.vma.VmFile} whose {@link org.kmemu.core.mm.vma.FileOperations} the task's mmap
 * reaches through do_mmap.
 */
package org.kmemu.core.driver;
