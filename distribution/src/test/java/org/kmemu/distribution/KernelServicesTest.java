package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Access;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneType;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.AddressTranslation;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mmu.Cpu;

/**
 * The kernel services on every shipped architecture and every object-allocator policy, with the real
 * plugins loaded from their jars through PF4J (the way an embedding Java program boots kmemu).
 */
class KernelServicesTest {

    static Stream<Arguments> machines() {
        List<Arguments> out = new ArrayList<>();
        for (String config : new String[] {"x86_64", "i386-highmem", "i386-pae", "booke-e500"}) {
            for (String policy : new String[] {"slub", "slab", "slob"}) {
                out.add(Arguments.of(config, policy));
            }
        }
        return out.stream();
    }

    private static Machine boot(String config, String policy) {
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"),
                Map.of("kmemu.machine.object-allocator", policy), Launcher.DIST.resolve("plugins"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void kmallocMemoryIsDirectMappedLowmemAndAgreesWithTheTables(String config, String policy) {
        Machine m = boot(config, policy);
        Kernel k = m.kernel();
        Cpu cpu = m.mmu().cpu(0);
        AddressTranslation at = k.addresses();
        for (long size : new long[] {8, 64, 700, 5000, 20000}) {
            long p = k.slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "test");
            assertThat(p).as("kmalloc(%d)", size).isNotZero();
            assertThat(at.virtAddrValid(p)).isTrue();
            long pfn = at.virtToPage(p);
            assertThat(PageFlags.zone(m.pageFrames().flags(pfn))).isNotEqualTo(ZoneType.HIGHMEM);
            assertThat(cpu.translate(p, Access.READ)).as("the MMU (TLB1 on e500, the tables elsewhere)").isEqualTo(at.pa(p));
            if (m.mmu().pinnedIndex(p) < 0) {
                assertThat(m.mmu().walk(cpu.root(), p).physical()).isEqualTo(at.pa(p));
            }
            cpu.store64(p, size);
            assertThat(m.memory().readLong(at.pa(p))).isEqualTo(size);
            assertThat(k.slab().ksize(p)).isGreaterThanOrEqualTo(size);
            k.slab().kfree(cpu, p, "test");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void aHighmemPageIsReachedOnlyThroughKmapKmapLocalAndVmap(String config, String policy) {
        Machine m = boot(config, policy);
        Kernel k = m.kernel();
        Cpu cpu = m.mmu().cpu(0);
        long pfn = k.pages().allocPages(cpu, Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
        boolean highmem = m.layout().lastPkmap() > 0 && pfn >= m.layout().maxLowPfn();
        assertThat(highmem).as("GFP_HIGHUSER gets highmem exactly where the machine has it")
                .isEqualTo(m.totalHighPages() > 0);
        if (highmem) {
            assertThat(k.highmem().pageAddress(pfn)).isZero();
        }
        long v = k.highmem().kmap(cpu, pfn);
        cpu.store64(v + 16, 0xfeedL);
        long local = k.highmem().kmapLocal(cpu, pfn);
        assertThat(cpu.load64(local + 16)).isEqualTo(0xfeedL);
        k.highmem().kunmapLocal(cpu, local);
        long vm = k.vmalloc().vmap(cpu, new long[] {pfn}, 1, "test");
        assertThat(cpu.load64(vm + 16)).as("through a vmap of the same page").isEqualTo(0xfeedL);
        assertThat(k.vmalloc().vmallocToPage(vm)).isEqualTo(pfn);
        k.vmalloc().vunmap(cpu, vm);
        k.highmem().kunmap(cpu, pfn);
        k.pages().freePages(cpu, pfn, 0);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("machines")
    void randomKmallocKreallocKfreeGiveEveryPageBackToTheBuddyAllocator(String config, String policy) {
        Machine m = boot(config, policy);
        Kernel k = m.kernel();
        Cpu cpu = m.mmu().cpu(0);
        m.pageAllocator().drainAllPages();
        long before = m.nrFreePages();
        Random rnd = new Random(config.hashCode() ^ policy.hashCode());
        List<long[]> live = new ArrayList<>();
        for (int step = 0; step < 3000; step++) {
            int op = rnd.nextInt(100);
            if (live.isEmpty() || op < 50) {
                long size = 8 + rnd.nextInt(rnd.nextInt(20) == 0 ? 30000 : 1000);
                long p = k.slab().kmalloc(cpu, size, Gfp.GFP_KERNEL, "test");
                cpu.store32(p, step);
                live.add(new long[] {p, size, step});
            } else if (op < 65) {
                long[] o = live.get(rnd.nextInt(live.size()));
                long size = 8 + rnd.nextInt(2000);
                long q = k.slab().krealloc(cpu, o[0], size, Gfp.GFP_KERNEL, "test");
                assertThat(cpu.load32(q)).as("krealloc keeps the contents").isEqualTo((int) o[2]);
                o[0] = q;
                o[1] = size;
            } else {
                long[] o = live.remove(rnd.nextInt(live.size()));
                assertThat(cpu.load32(o[0])).isEqualTo((int) o[2]);
                k.slab().kfree(cpu, o[0], "test");
            }
        }
        for (long[] o : live) {
            k.slab().kfree(cpu, o[0], "test");
        }
        k.slab().shrinkAll(cpu);
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).as("every page back after kfree and shrink").isEqualTo(before);
        assertThat(m.log().texts()).noneMatch(l -> l.startsWith("BUG") || l.contains("Wrong slab cache"));
    }
}
