package org.kmemu.core.cli;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFrames;

/**
 * What the emulator's struct page costs: the heap of every per-frame structure
 * ({@link Machine#pageMetadataBytes}), per frame that has a struct page, next to the kernel's 64-byte
 * struct page (include/linux/mm_types.h on 64-bit). The first figure is the machine as booted: lazy
 * parts exist only where boot used them. With {@code populate} a second figure follows with every lazy
 * part of every section made ({@link PageFrames#populateAll}): the cost once every frame is in use.
 *
 * <pre>
 * struct page: 268435456 frames (1024G), Linux 64 bytes each
 * booted:      PageFrames 3072.0M, page allocator 256.5M: 13.00 bytes per frame
 * populated:   PageFrames 5120.0M, page allocator 256.5M: 21.00 bytes per frame
 * </pre>
 */
final class MemmapReport {
    private MemmapReport() {
    }

    static List<String> lines(Machine machine, boolean populate) {
        PageFrames frames = machine.pageFrames();
        long n = frames.presentFrames();
        List<String> out = new ArrayList<>();
        out.add(String.format("struct page: %d frames (%dM), Linux 64 bytes each", n,
                (n << machine.arch().pageShift()) >> 20));
        out.add(line("booted:   ", machine, n));
        if (populate) {
            frames.populateAll();
            out.add(line("populated:", machine, n));
        }
        return out;
    }

    private static String line(String label, Machine machine, long frames) {
        long core = machine.pageFrames().metadataBytes();
        long allocator = machine.pageAllocator().metadataBytes();
        return String.format("%s   PageFrames %.1fM, page allocator %.1fM: %.2f bytes per frame", label,
                core / 1048576.0, allocator / 1048576.0, (double) machine.pageMetadataBytes() / frames);
    }
}
