package org.kmemu.core.testing;

import java.util.List;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.VirtualArea;

/**
 * The layout of the 64-bit test architectures ({@link X86_64TestArch}, {@link Page64kTestArch}): a flat
 * direct map of all RAM at PAGE_OFFSET, no highmem, a vmalloc window, a fixmap, and the kernel image at
 * __START_KERNEL_map, as x86_64 has them (Documentation/arch/x86/x86_64/mm.rst).
 *
 * @param pageShift      PAGE_SHIFT
 * @param maxPfn         the end of RAM in frames
 * @param pageOffset     PAGE_OFFSET
 * @param taskSize       TASK_SIZE
 * @param startKernelMap __START_KERNEL_map
 * @param vmallocStart   VMALLOC_START
 * @param vmallocEnd     VMALLOC_END
 * @param fixaddrStart   FIXADDR_START
 * @param fixaddrTop     FIXADDR_TOP
 */
record FlatTestLayout(int pageShift, long maxPfn, long pageOffset, long taskSize, long startKernelMap, long vmallocStart,
                      long vmallocEnd, long fixaddrStart, long fixaddrTop) implements KernelLayout {

    @Override
    public long maxLowPfn() {
        return maxPfn;
    }

    @Override
    public long highMemory() {
        return pageOffset + (maxPfn << pageShift);
    }

    @Override
    public int lastPkmap() {
        return 0;
    }

    @Override
    public long pkmapBase() {
        return 0;
    }

    @Override
    public List<VirtualArea> areas() {
        return List.of(new VirtualArea("direct map", pageOffset, highMemory()),
                new VirtualArea("vmalloc", vmallocStart, vmallocEnd),
                new VirtualArea("fixmap", fixaddrStart, fixaddrTop));
    }

    @Override
    public long pa(long vaddr) {
        if (Long.compareUnsigned(vaddr, startKernelMap) >= 0) {
            return vaddr - startKernelMap;
        }
        if (!virtAddrValid(vaddr)) {
            throw new IllegalArgumentException(String.format("__pa: %#x (expected: in [%#x, %#x))", vaddr, pageOffset,
                    highMemory()));
        }
        return vaddr - pageOffset;
    }

    @Override
    public long va(long paddr) {
        if (paddr < 0 || paddr >= maxPfn << pageShift) {
            throw new IllegalArgumentException(String.format("__va: %#x (expected: below %#x)", paddr, maxPfn << pageShift));
        }
        return paddr + pageOffset;
    }

    @Override
    public boolean virtAddrValid(long vaddr) {
        return Long.compareUnsigned(vaddr, pageOffset) >= 0 && Long.compareUnsigned(vaddr, highMemory()) < 0;
    }

    @Override
    public long kernelImageVa(long paddr) {
        return startKernelMap + paddr;
    }

    @Override
    public List<String> bootMessages() {
        return List.of();
    }
}
