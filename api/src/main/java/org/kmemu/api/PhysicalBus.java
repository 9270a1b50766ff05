package org.kmemu.api;

/**
 * The machine's physical address space as a bus master (a DMA engine) sees it: RAM and other devices'
 * windows, by physical address, with no MMU and no permission checks, as a device that is handed a bus
 * address does on a machine without an IOMMU. An address with neither RAM nor a device behind it is
 * refused with an {@link IllegalArgumentException} naming it (the bus error the device would see).
 *
 * <p><b>Who calls it.</b> A {@link Device}, from inside its {@code read} or {@code write} (so on the CPU
 * thread that drives it). The host implements it.
 *
 * @since 1.2
 */
@HostProvided
public interface PhysicalBus {

    /**
     * @param paddr first physical address
     * @param dst   destination
     * @param off   offset in {@code dst}
     * @param len   bytes
     * @since 1.2
     */
    void read(long paddr, byte[] dst, int off, int len);

    /**
     * @param paddr first physical address
     * @param src   source
     * @param off   offset in {@code src}
     * @param len   bytes
     * @since 1.2
     */
    void write(long paddr, byte[] src, int off, int len);
}
