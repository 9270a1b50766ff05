/**
 * The kmemu plugin API: the service-provider interfaces that architecture and allocator plugins
 * implement, and the value types that cross between them and the core.
 *
 * <p>A plugin compiles against this package alone (plus PF4J's {@code ExtensionPoint}). The core
 * implements the context interfaces ({@link org.kmemu.api.ConfigView}, {@link org.kmemu.api.KernelLog},
 * {@link org.kmemu.api.PageAllocatorContext}) and hands them to the plugin's factory methods; plugins
 * never see a core class. A plugin that keeps per-CPU state checks, in the debug tier, that only the
 * CPU's thread touches it ({@link org.kmemu.api.PerCpuOwnership}, from its context's {@code perCpu()}).
 * Names follow the kernel's ({@code pfn}, {@code order}, {@code gfp},
 * {@code zone}, {@code migratetype}) in Java casing.
 *
 * <p>The extension points:
 * <ul>
 *   <li>{@link org.kmemu.api.Architecture}: an architecture's address layout, zones and memory map;</li>
 *   <li>{@link org.kmemu.api.PageAllocatorPolicy}: a page allocator over the boot-time zones.</li>
 * </ul>
 */
package org.kmemu.api;
