package org.kmemu.core.testing;

import java.util.ArrayList;
import java.util.List;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.KernelMapping.Kind;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.PageFault;
import org.kmemu.api.RegionType;

/** MMU pieces the core's test architectures share: boot mappings and a short fault report. */
final class TestMmu {
    private TestMmu() {
    }

    /** ISA_END: x86 always maps [0, 1 MiB), holes included (arch/x86/mm/init.c init_mem_mapping). */
    private static final long ISA_END = 1L << 20;

    /**
     * The direct map as x86's {@code init_mem_mapping} makes it: the ISA range, then every usable range
     * above it below {@code limit}, page-trimmed (holes above 1 MiB stay unmapped).
     */
    static List<KernelMapping> directMap(MemoryMap map, long pageOffset, long limit, int flags, long maxPageSize) {
        List<KernelMapping> out = new ArrayList<>();
        out.add(new KernelMapping(Kind.DIRECT_MAP, "direct map (ISA)", pageOffset, 0, ISA_END, flags, maxPageSize));
        for (MemoryRegion r : map.regions()) {
            if (r.type() != RegionType.USABLE || r.end() <= ISA_END) {
                continue;
            }
            long start = Math.max(ISA_END, (r.start() + 0xfff) & ~0xfffL);
            long end = Math.min(r.end() & ~0xfffL, limit);
            if (end > start) {
                out.add(new KernelMapping(Kind.DIRECT_MAP, "direct map", pageOffset + start, start, end - start, flags, maxPageSize));
            }
        }
        return out;
    }

    /** x86's #PF error code bits (arch/x86/include/asm/trap_pf.h): PROT, WRITE, USER, INSTR. */
    static int x86ErrorCode(PageFault f) {
        return (f.protection() ? 1 : 0) | (f.access() == org.kmemu.api.Access.WRITE ? 2 : 0) | (f.userMode() ? 4 : 0)
                | (f.access() == org.kmemu.api.Access.EXECUTE ? 16 : 0);
    }

    /** The first lines of arch/x86/mm/fault.c's report, enough for core tests. */
    static List<String> x86Report(PageFault f, int digits) {
        String who = f.userMode() ? "user" : "supervisor";
        String what = switch (f.access()) {
            case READ -> "read access";
            case WRITE -> "write access";
            case EXECUTE -> "instruction fetch";
        };
        return List.of(String.format("BUG: unable to handle page fault for address: %0" + digits + "x", f.address()),
                "#PF: " + who + " " + what + " in " + (f.userMode() ? "user" : "kernel") + " mode",
                "#PF: " + (f.protection() ? "permissions violation" : "not-present page"));
    }
}
