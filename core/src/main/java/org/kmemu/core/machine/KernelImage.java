package org.kmemu.core.machine;

import org.kmemu.core.config.MachineConfig.KernelImageSpec;

/**
 * Where the kernel image's sections lie in physical memory: linked in the order .text, .rodata,
 * .data, .init, .bss from the architecture's load address, each section starting on a page boundary
 * (as vmlinux.lds.S aligns them; x86_64 aligns more coarsely, which kmemu does not model).
 * All addresses physical; ends exclusive.
 *
 * @param textStart   _text
 * @param textEnd     _etext
 * @param rodataStart __start_rodata
 * @param rodataEnd   __end_rodata
 * @param dataStart   _sdata
 * @param dataEnd     _edata
 * @param initStart   __init_begin
 * @param initEnd     __init_end
 * @param bssStart    __bss_start
 * @param bssEnd      __bss_stop, also _end
 */
public record KernelImage(long textStart, long textEnd, long rodataStart, long rodataEnd, long dataStart,
                          long dataEnd, long initStart, long initEnd, long bssStart, long bssEnd) {

    /**
     * @param loadAddress CONFIG_PHYSICAL_START
     * @param spec        the section sizes
     * @param pageSize    the page size
     * @return the placed image
     */
    static KernelImage place(long loadAddress, KernelImageSpec spec, long pageSize) {
        long text = loadAddress;
        long rodata = align(text + spec.text(), pageSize);
        long data = align(rodata + spec.rodata(), pageSize);
        long init = align(data + spec.data(), pageSize);
        long bss = align(init + spec.init(), pageSize);
        return new KernelImage(text, text + spec.text(), rodata, rodata + spec.rodata(), data, data + spec.data(),
                init, init + spec.init(), bss, bss + spec.bss());
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    /** @return the bytes memblock reserves for the image: [_text, _end) rounded to pages */
    long reservedBytes(long pageSize) {
        return align(bssEnd, pageSize) - textStart;
    }
}
