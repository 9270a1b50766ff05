package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Access;
import org.kmemu.api.CpuFeature;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PteFlags;
import org.kmemu.core.Kmemu;
import org.kmemu.core.kernel.Highmem;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.FaultResult;
import org.kmemu.core.mmu.PageFaultException;

/**
 * The fault hook and the uaccess helpers on every shipped machine, with the real architecture plugins
 * loaded through PF4J: the arch's error code reaches the handler, the exact short count and zeroed tail
 * across a hole, byte order, SMAP where the CPU has it (x86_64's default), kmap_atomic's fail-fast.
 *
 * <p>Test scaffolding until the mm lands: user pages are mapped into the kernel's root below TASK_SIZE
 * with user PTEs in each architecture's format (on i386 and e500 from highmem, as GFP_HIGHUSER gives).
 */
class UserAccessTest {
    private static final long U = 0x10000000L;
    private static final int PAGE = 4096;

    private static Machine boot(String config) {
        return Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
    }

    /** Maps a fresh GFP_HIGHUSER page at a user address (user PTE, writable) and returns its pfn. */
    private static long mapUser(Machine m, Cpu cpu, long uaddr, int flags) {
        long pfn = m.pageAllocator().allocPages(cpu.id(), Gfp.GFP_HIGHUSER, 0);
        assertThat(pfn).isNotEqualTo(PageAllocator.NO_PFN);
        m.memory().fill(pfn << 12, (byte) 0, PAGE);
        m.mmu().kernelTables().mapPage(cpu, uaddr, pfn << 12, flags | PteFlags.USER);
        m.mmu().flushTlbPage(cpu, uaddr);
        return pfn;
    }

    private static long kbuf(Machine m, Cpu cpu, int fill) {
        return kbuf(m, cpu, fill, 0);
    }

    /** @return the direct-map address of 2^order fresh lowmem pages filled with {@code fill} */
    private static long kbuf(Machine m, Cpu cpu, int fill, int order) {
        long pfn = m.pageAllocator().allocPages(cpu.id(), Gfp.GFP_KERNEL, order);
        m.memory().fill(pfn << 12, (byte) fill, (long) PAGE << order);
        return m.layout().va(pfn << 12);
    }

    private static byte[] ram(Machine m, long phys, int len) {
        byte[] b = new byte[len];
        m.memory().read(phys, b, 0, len);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void shortCopiesStopExactlyAtTheHoleAndCopyFromUserZeroesTheTail(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        Uaccess u = m.kernel().uaccess();
        long pfn = mapUser(m, cpu, U, PteFlags.WRITE);
        long src = kbuf(m, cpu, 0);
        byte[] data = new byte[300];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i + 1);
        }
        m.memory().write(m.layout().pa(src), data, 0, data.length);
        assertThat(u.copyToUser(cpu, U + PAGE - 100, src, 300)).isEqualTo(200);
        assertThat(ram(m, (pfn << 12) + PAGE - 100, 100)).isEqualTo(Arrays.copyOf(data, 100));

        long to = kbuf(m, cpu, 0x5a);
        assertThat(u.copyFromUser(cpu, to, U + PAGE - 100, 300)).isEqualTo(200);
        byte[] k = ram(m, m.layout().pa(to), 310);
        assertThat(Arrays.copyOf(k, 100)).isEqualTo(Arrays.copyOf(data, 100));
        assertThat(Arrays.copyOfRange(k, 100, 300)).isEqualTo(new byte[200]);
        assertThat(Arrays.copyOfRange(k, 300, 310)).containsOnly((byte) 0x5a);
        assertThat(u.accessOk(m.layout().pageOffset(), 1)).isFalse();
        assertThat(u.copyToUser(cpu, m.layout().pageOffset(), src, 8)).isEqualTo(8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void putUserStoresInTheMachinesByteOrder(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        long pfn = mapUser(m, cpu, U, PteFlags.WRITE);
        assertThat(m.kernel().uaccess().putUser(cpu, 0x11223344L, U + 4, 4)).isZero();
        byte[] expected = config.startsWith("booke") ? new byte[] {0x11, 0x22, 0x33, 0x44} : new byte[] {0x44, 0x33, 0x22, 0x11};
        assertThat(ram(m, (pfn << 12) + 4, 4)).isEqualTo(expected);
        long[] x = new long[1];
        assertThat(m.kernel().uaccess().getUser(cpu, x, U + 4, 2)).isZero();
        assertThat(x[0]).isEqualTo(config.startsWith("booke") ? 0x1122 : 0x3344);
        assertThat(m.kernel().uaccess().getUser(cpu, x, U + PAGE, 2)).isEqualTo(-Errno.EFAULT);
    }

    record Call(long address, Access access, boolean user, int errorCode) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-pae", "booke-e500"})
    void theHandlerGetsTheArchitecturesErrorCodeAndItsMappingIsRetried(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        List<Call> calls = new ArrayList<>();
        m.mmu().setPageFaultHandler((c, address, access, user, code) -> {
            calls.add(new Call(address, access, user, code));
            mapUser(m, c, address & ~0xfffL, PteFlags.WRITE);
            return FaultResult.RETRY;
        });
        long src = kbuf(m, cpu, 7, 2);
        assertThat(m.kernel().uaccess().copyToUser(cpu, U + 8, src, 3 * PAGE)).isZero();
        cpu.setUserMode(true);
        try {
            assertThat(cpu.load64(0x20000000L)).isZero();
        } finally {
            cpu.setUserMode(false);
        }
        boolean booke = config.startsWith("booke");
        // x86: X86_PF_WRITE (2), X86_PF_USER (4); BookE: ESR_ST (0x00800000) on a store, no bit for a load.
        int write = booke ? 0x00800000 : 0x2;
        int userRead = booke ? 0 : 0x4;
        assertThat(calls).containsExactly(new Call(U + 8, Access.WRITE, false, write),
                new Call(U + PAGE, Access.WRITE, false, write), new Call(U + 2 * PAGE, Access.WRITE, false, write),
                new Call(U + 3 * PAGE, Access.WRITE, false, write), new Call(0x20000000L, Access.READ, true, userRead));
        byte[] back = new byte[3 * PAGE];
        cpu.userAccessBegin();
        cpu.read(U + 8, back, 0, back.length);
        cpu.userAccessEnd();
        assertThat(back).containsOnly((byte) 7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void kernelCodeTouchingUserMemoryOutsideTheHelpersIsAnOopsOnlyWhereTheCpuHasSmap(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        mapUser(m, cpu, U, PteFlags.WRITE);
        boolean smap = m.arch().cpuFeatures().contains(CpuFeature.SMAP);
        assertThat(smap).as("x86_64's default CPU has SMAP; i386's and e500's do not").isEqualTo(config.equals("x86_64"));
        if (smap) {
            assertThatThrownBy(() -> cpu.load64(U + 8)).isInstanceOf(PageFaultException.class)
                    .satisfies(e -> assertThat(((PageFaultException) e).report()).startsWith(
                            "BUG: unable to handle page fault for address: 0000000010000008",
                            "#PF: supervisor read access in kernel mode",
                            "#PF: error_code(0x0001) - permissions violation"));
        } else {
            assertThat(cpu.load64(U + 8)).isZero();
        }
        assertThatThrownBy(() -> cpu.load64(U + PAGE)).as("no mm, no exception table: the oops")
                .isInstanceOf(PageFaultException.class)
                .hasMessageContaining(config.startsWith("booke") ? "BUG: Unable to handle kernel data access on read at 0x10001000"
                        : "BUG: unable to handle page fault for address:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "booke-e500"})
    void insideKmapAtomicACopyToAMissingPageFailsFastWithoutTheHandler(String config) {
        Machine m = boot(config);
        Cpu cpu = m.mmu().cpu(0);
        Highmem hm = m.kernel().highmem();
        Uaccess u = m.kernel().uaccess();
        int[] calls = {0};
        m.mmu().setPageFaultHandler((c, address, access, user, code) -> {
            calls[0]++;
            mapUser(m, c, address & ~0xfffL, PteFlags.WRITE);
            return FaultResult.RETRY;
        });
        long pfn = mapUser(m, cpu, U, PteFlags.WRITE);
        long kaddr = hm.kmapAtomic(cpu, pfn);
        try {
            cpu.store64(kaddr, 0x1234);
            long[] x = new long[1];
            assertThat(u.getUser(cpu, x, U, 8)).as("the page is present: no fault").isZero();
            assertThat(x[0]).isEqualTo(0x1234);
            assertThat(u.copyToUser(cpu, U + PAGE - 16, kaddr, 32)).as("16 bytes, then the missing page").isEqualTo(16);
        } finally {
            hm.kunmapAtomic(cpu, kaddr);
        }
        assertThat(calls[0]).isZero();
        assertThat(m.log().texts()).noneMatch(l -> l.contains("sleeping function"));
        assertThat(u.clearUser(cpu, U + PAGE - 16, 32)).as("out of kmap_atomic the fault is handled").isZero();
        assertThat(calls[0]).isEqualTo(1);
    }
}
