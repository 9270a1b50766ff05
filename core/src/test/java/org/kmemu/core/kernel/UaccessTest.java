package org.kmemu.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.mmu.FaultResult;
import org.kmemu.core.mmu.PageFaultException;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.Page64kTestArch;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.UserPages;

/**
 * The uaccess helpers' return conventions on the core's test machines: x86_64-like, i386-like and
 * e500-like (software TLB) with SMAP, and a 64 KiB-page machine without. User pages are mapped into the
 * kernel's root below TASK_SIZE ({@link UserPages}, scaffolding until the mm lands); a "hole" is the
 * unmapped page after a mapped one.
 */
class UaccessTest {
    /** First user page of the tests; the page after it is never mapped unless a test says so. */
    private static final long U = 0x10000000L;

    static Stream<String> machines() {
        return Stream.of("x86_64", "i386", "e500-like", "page64k");
    }

    /** One booted machine and what the tests use on it. */
    private static final class Rig {
        final Machine m;
        final Cpu cpu;
        final Uaccess u;
        final UserPages user;
        final long page;

        Rig(String name) {
            m = switch (name) {
                case "x86_64" -> TestMachines.x86_64(1L << 30);
                case "i386" -> TestMachines.i386(1L << 30);
                case "e500-like" -> TestMachines.boot(new I386TestArch(true), 1L << 30, 2);
                default -> TestMachines.boot(new Page64kTestArch(), 1L << 30, 2);
            };
            cpu = m.mmu().cpu(0);
            u = m.kernel().uaccess();
            user = new UserPages(m, cpu);
            page = 1L << m.pageShift();
        }

        /** @return the kernel (direct-map) address of fresh lowmem pages, filled with {@code fill} */
        long kbuf(int order, byte fill) {
            long pfn = m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, order);
            m.memory().fill(pfn << m.pageShift(), fill, page << order);
            return m.layout().va(pfn << m.pageShift());
        }

        /** @return the physical address behind a mapped user address */
        long phys(long uaddr) {
            return m.mmu().walk(cpu.root(), uaddr).physical();
        }

        byte[] userBytes(long uaddr, int len) {
            byte[] out = new byte[len];
            m.memory().read(phys(uaddr), out, 0, len);
            return out;
        }

        byte[] kernelBytes(long kaddr, int len) {
            byte[] out = new byte[len];
            m.memory().read(m.layout().pa(kaddr), out, 0, len);
            return out;
        }
    }

    private static byte[] pattern(int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + 1);
        }
        return b;
    }

    private static byte[] filled(int len, int value) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void accessOkChecksTheRangeAgainstTaskSizeWithoutWrapping(String name) {
        Rig r = new Rig(name);
        long ts = r.u.taskSize();
        assertThat(ts).isEqualTo(r.m.layout().taskSize());
        assertThat(r.u.accessOk(0, ts)).isTrue();
        assertThat(r.u.accessOk(ts - 1, 1)).isTrue();
        assertThat(r.u.accessOk(ts, 0)).isTrue();
        assertThat(r.u.accessOk(ts - 1, 2)).isFalse();
        assertThat(r.u.accessOk(1, ts)).isFalse();
        assertThat(r.u.accessOk(r.m.layout().pageOffset(), 8)).as("a kernel address").isFalse();
        assertThat(r.u.accessOk(U, -1L)).as("a size that wraps").isFalse();
        assertThat(r.u.accessOk(-16L, 32)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void copyToUserFromAMappedIntoAnUnmappedPageCopiesExactlyUpToTheHole(String name) {
        Rig r = new Rig(name);
        r.user.map(U);
        long src = r.kbuf(0, (byte) 0);
        byte[] data = pattern(300);
        r.m.memory().write(r.m.layout().pa(src), data, 0, data.length);
        long to = U + r.page - 100;
        assertThat(r.u.copyToUser(r.cpu, to, src, 300)).isEqualTo(200);
        assertThat(r.userBytes(to, 100)).isEqualTo(java.util.Arrays.copyOf(data, 100));
        assertThat(r.userBytes(to - 8, 8)).as("nothing before the destination").isEqualTo(new byte[8]);
        assertThat(r.u.copyToUser(r.cpu, U + 64, src, 300)).isZero();
        assertThat(r.userBytes(U + 64, 300)).isEqualTo(data);
        assertThat(r.u.copyToUser(r.cpu, U + r.page, src, 1)).as("nothing mapped at all").isEqualTo(1);
        assertThat(r.u.copyToUser(r.cpu, U, src, 0)).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void copyFromUserAcrossAHoleCopiesUpToItAndZeroesTheRestOfTheKernelBuffer(String name) {
        Rig r = new Rig(name);
        long pfn = r.user.map(U);
        byte[] data = pattern((int) r.page);
        r.m.memory().write(pfn << r.m.pageShift(), data, 0, data.length);
        long to = r.kbuf(0, (byte) 0x5a);
        long from = U + r.page - 100;
        assertThat(r.u.copyFromUser(r.cpu, to, from, 300)).isEqualTo(200);
        byte[] k = r.kernelBytes(to, 400);
        assertThat(java.util.Arrays.copyOfRange(k, 0, 100)).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 100, data.length));
        assertThat(java.util.Arrays.copyOfRange(k, 100, 300)).as("the uncopied tail is zeroed").isEqualTo(new byte[200]);
        assertThat(java.util.Arrays.copyOfRange(k, 300, 400)).as("past n: untouched").isEqualTo(filled(100, 0x5a));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void rangesAccessOkRefusesCopyNothingAndCopyFromUserZeroesItAll(String name) {
        Rig r = new Rig(name);
        long kernel = r.kbuf(0, (byte) 0x11);
        long src = r.kbuf(0, (byte) 0x22);
        assertThat(r.u.copyToUser(r.cpu, kernel, src, 64)).isEqualTo(64);
        assertThat(r.kernelBytes(kernel, 64)).as("a kernel destination is never written").isEqualTo(filled(64, 0x11));
        long to = r.kbuf(0, (byte) 0x5a);
        assertThat(r.u.copyFromUser(r.cpu, to, src, 64)).isEqualTo(64);
        assertThat(r.kernelBytes(to, 64)).isEqualTo(new byte[64]);
        assertThat(r.u.copyFromUser(r.cpu, to, r.u.taskSize() - 10, 20)).as("runs past TASK_SIZE").isEqualTo(20);
        assertThat(r.u.clearUser(r.cpu, kernel, 16)).isEqualTo(16);
        assertThat(r.kernelBytes(kernel, 16)).isEqualTo(filled(16, 0x11));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void getUserAndPutUserMoveOneValueOrReturnEfault(String name) {
        Rig r = new Rig(name);
        r.user.map(U);
        long[] x = {99};
        assertThat(r.u.putUser(r.cpu, 0x1122334455667788L, U + 8, 8)).isZero();
        assertThat(r.m.memory().readLong(r.phys(U + 8))).as("in the machine's byte order").isEqualTo(0x1122334455667788L);
        assertThat(r.u.getUser(r.cpu, x, U + 8, 8)).isZero();
        assertThat(x[0]).isEqualTo(0x1122334455667788L);
        assertThat(r.u.putUser(r.cpu, 0xfedcba98L, U + 16, 4)).isZero();
        assertThat(r.u.getUser(r.cpu, x, U + 16, 4)).isZero();
        assertThat(x[0]).as("zero-extended").isEqualTo(0xfedcba98L);
        assertThat(r.u.putUser(r.cpu, 0xf0f1, U + 20, 2)).isZero();
        assertThat(r.u.getUser(r.cpu, x, U + 20, 2)).isZero();
        assertThat(x[0]).isEqualTo(0xf0f1L);
        assertThat(r.u.putUser(r.cpu, 0x1ff, U + 22, 1)).isZero();
        assertThat(r.u.getUser(r.cpu, x, U + 22, 1)).isZero();
        assertThat(x[0]).isEqualTo(0xffL);

        assertThat(r.u.getUser(r.cpu, x, U + r.page, 4)).isEqualTo(-Errno.EFAULT);
        assertThat(x[0]).as("get_user zeroes x on a fault").isZero();
        x[0] = 99;
        assertThat(r.u.getUser(r.cpu, x, U + r.page - 4, 8)).as("straddles the hole").isEqualTo(-Errno.EFAULT);
        assertThat(x[0]).isZero();
        assertThat(r.u.putUser(r.cpu, -1L, U + r.page - 4, 8)).isEqualTo(-Errno.EFAULT);
        assertThat(r.userBytes(U + r.page - 4, 4)).as("nothing written before the hole").isEqualTo(new byte[4]);
        assertThat(r.u.getUser(r.cpu, x, r.m.layout().pageOffset(), 4)).as("kernel address").isEqualTo(-Errno.EFAULT);
        assertThat(r.u.putUser(r.cpu, 1, r.m.layout().pageOffset(), 4)).isEqualTo(-Errno.EFAULT);
        assertThatThrownBy(() -> r.u.getUser(r.cpu, x, U, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size: 3 (expected: 1, 2, 4 or 8)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void clearUserClearsUpToTheHoleAndReturnsTheRest(String name) {
        Rig r = new Rig(name);
        long pfn = r.user.map(U);
        r.m.memory().fill(pfn << r.m.pageShift(), (byte) 0x77, r.page);
        assertThat(r.u.clearUser(r.cpu, U + r.page - 50, 100)).isEqualTo(50);
        assertThat(r.userBytes(U + r.page - 50, 50)).isEqualTo(new byte[50]);
        assertThat(r.userBytes(U + r.page - 51, 1)).isEqualTo(filled(1, 0x77));
        assertThat(r.u.clearUser(r.cpu, U, 10)).isZero();
        assertThat(r.userBytes(U, 11)).isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77});
    }

    private static void putString(Rig r, long uaddr, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        r.m.memory().write(r.phys(uaddr), b, 0, b.length);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void strncpyFromUserReturnsTheLengthCountOrEfault(String name) {
        Rig r = new Rig(name);
        r.user.map(U);
        long dst = r.kbuf(0, (byte) 0x5a);
        putString(r, U + 10, "hello\0");
        assertThat(r.u.strncpyFromUser(r.cpu, dst, U + 10, 64)).isEqualTo(5);
        assertThat(r.kernelBytes(dst, 7)).isEqualTo(new byte[] {'h', 'e', 'l', 'l', 'o', 0, 0x5a});
        long dst2 = r.kbuf(0, (byte) 0x5a);
        assertThat(r.u.strncpyFromUser(r.cpu, dst2, U + 10, 3)).as("no NUL within count").isEqualTo(3);
        assertThat(r.kernelBytes(dst2, 4)).isEqualTo(new byte[] {'h', 'e', 'l', 0x5a});
        assertThat(r.u.strncpyFromUser(r.cpu, dst2, U + 10, 0)).isZero();

        putString(r, U + r.page - 5, "abcd\0");
        assertThat(r.u.strncpyFromUser(r.cpu, dst, U + r.page - 5, 64)).as("ends right before the hole").isEqualTo(4);
        long dst3 = r.kbuf(0, (byte) 0x5a);
        putString(r, U + r.page - 5, "abcde");
        assertThat(r.u.strncpyFromUser(r.cpu, dst3, U + r.page - 5, 64)).as("runs into the hole").isEqualTo(-Errno.EFAULT);
        assertThat(r.kernelBytes(dst3, 6)).as("what came before the fault stays copied")
                .isEqualTo(new byte[] {'a', 'b', 'c', 'd', 'e', 0x5a});
        assertThat(r.u.strncpyFromUser(r.cpu, dst3, r.m.layout().pageOffset(), 64)).isEqualTo(-Errno.EFAULT);

        long last = r.u.taskSize() - r.page;
        long lastPfn = r.user.map(last);
        r.m.memory().fill(lastPfn << r.m.pageShift(), (byte) 'x', r.page);
        long end = r.u.taskSize() - 16;
        assertThat(r.u.strncpyFromUser(r.cpu, dst3, end, 100)).as("user space ends first").isEqualTo(-Errno.EFAULT);
        assertThat(r.u.strncpyFromUser(r.cpu, dst3, end, 16)).as("count ends with it").isEqualTo(16);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void strnlenUserCountsTheNulAndReturnsZeroOnAFault(String name) {
        Rig r = new Rig(name);
        r.user.map(U);
        putString(r, U + 100, "hello\0");
        assertThat(r.u.strnlenUser(r.cpu, U + 100, 64)).isEqualTo(6);
        assertThat(r.u.strnlenUser(r.cpu, U + 100, 3)).as("too long: count + 1").isEqualTo(4);
        assertThat(r.u.strnlenUser(r.cpu, U + 100, 0)).isZero();
        putString(r, U + r.page - 3, "abc");
        assertThat(r.u.strnlenUser(r.cpu, U + r.page - 3, 64)).as("a fault").isZero();
        assertThat(r.u.strnlenUser(r.cpu, U + r.page - 3, 3)).as("count ends before the hole").isEqualTo(4);
        assertThat(r.u.strnlenUser(r.cpu, r.m.layout().pageOffset(), 64)).isZero();
        long last = r.u.taskSize() - r.page;
        r.m.memory().fill(r.user.map(last) << r.m.pageShift(), (byte) 'x', r.page);
        assertThat(r.u.strnlenUser(r.cpu, r.u.taskSize() - 8, 100)).as("user space ends first").isZero();
    }

    /** Maps a fresh page wherever a fault happens and counts the faults. */
    private static List<Long> installMappingHandler(Rig r) {
        List<Long> faults = new ArrayList<>();
        r.m.mmu().setPageFaultHandler((cpu, address, access, userMode, errorCode) -> {
            faults.add(address);
            r.user.map(address & -r.page);
            return FaultResult.RETRY;
        });
        return faults;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void aHandlerThatMapsOnTheFaultLetsTheCopyComplete(String name) {
        Rig r = new Rig(name);
        List<Long> faults = installMappingHandler(r);
        long to = 0x20000000L;
        int n = (int) (3 * r.page + 10);
        long src = r.kbuf(2, (byte) 0);
        byte[] data = pattern(n);
        r.m.memory().write(r.m.layout().pa(src), data, 0, n);
        assertThat(r.u.copyToUser(r.cpu, to, src, n)).isZero();
        assertThat(faults).containsExactly(to, to + r.page, to + 2 * r.page, to + 3 * r.page);
        long back = r.kbuf(2, (byte) 0x5a);
        assertThat(r.u.copyFromUser(r.cpu, back, to, n)).isZero();
        assertThat(r.kernelBytes(back, n)).isEqualTo(data);
        assertThat(faults).as("no new fault: the pages are there").hasSize(4);
        long[] x = new long[1];
        assertThat(r.u.getUser(r.cpu, x, 0x30000000L, 8)).isZero();
        assertThat(r.u.strnlenUser(r.cpu, 0x30000000L + 1, 64)).as("a fresh page is zeroed: the NUL is there").isEqualTo(1);
        assertThat(faults).hasSize(5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void twoCpusFaultTheirOwnPagesInAtOnceEachHandledOnItsOwnThread(String name) throws Exception {
        Rig r = new Rig(name);
        java.util.Map<Long, Integer> faultedBy = new java.util.concurrent.ConcurrentHashMap<>();
        r.m.mmu().setPageFaultHandler((cpu, address, access, userMode, errorCode) -> {
            // Runs on the faulting CPU's thread: its page and any table come from that CPU's lists.
            long pfn = r.m.pageAllocator().allocPages(cpu.id(), Gfp.GFP_KERNEL, 0);
            r.m.memory().fill(pfn << r.m.pageShift(), (byte) 0, r.page);
            r.m.mmu().kernelTables().mapPage(cpu, address & -r.page, pfn << r.m.pageShift(),
                    org.kmemu.api.PteFlags.USER | org.kmemu.api.PteFlags.WRITE);
            faultedBy.put(address & -r.page, cpu.id());
            return FaultResult.RETRY;
        });
        int pages = 32;
        long[] bases = {0x20000000L, 0x28000000L};
        long[] srcs = {r.kbuf(0, (byte) 0x11), r.kbuf(0, (byte) 0x22)};
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[2];
        for (int c = 0; c < 2; c++) {
            int id = c;
            threads[c] = new Thread(() -> {
                try {
                    Cpu cpu = r.m.mmu().cpu(id);
                    for (int i = 0; i < pages; i++) {
                        long to = bases[id] + i * r.page;
                        if (r.u.copyToUser(cpu, to, srcs[id], 64) != 0) {
                            throw new AssertionError("short copy at " + Long.toHexString(to));
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "uaccess-cpu" + c);
            threads[c].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(faultedBy).hasSize(2 * pages);
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < pages; i++) {
                long uaddr = bases[c] + i * r.page;
                assertThat(faultedBy.get(uaddr)).as("faulted in by its own CPU").isEqualTo(c);
                assertThat(r.userBytes(uaddr, 64)).containsOnly((byte) (c == 0 ? 0x11 : 0x22));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void underPagefaultDisableTheHelpersFailFastWithoutTheHandlerAndWithoutAReport(String name) {
        Rig r = new Rig(name);
        List<Long> faults = installMappingHandler(r);
        r.user.map(U);
        long src = r.kbuf(0, (byte) 1);
        r.cpu.pagefaultDisable();
        try {
            assertThat(r.u.copyToUser(r.cpu, U + r.page - 8, src, 16)).as("the present page is copied").isEqualTo(8);
            long[] x = {5};
            assertThat(r.u.getUser(r.cpu, x, U + r.page, 4)).isEqualTo(-Errno.EFAULT);
            assertThat(r.u.clearUser(r.cpu, U + r.page, 4)).isEqualTo(4);
        } finally {
            r.cpu.pagefaultEnable();
        }
        assertThat(faults).isEmpty();
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("sleeping function"));
        assertThat(r.u.copyToUser(r.cpu, U + r.page - 8, src, 16)).as("page faults on again: the handler maps").isZero();
        assertThat(faults).containsExactly(U + r.page);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void inAtomicContextTheHelpersReportMightSleepAndDoNotFault(String name) {
        Rig r = new Rig(name);
        List<Long> faults = installMappingHandler(r);
        r.user.map(U);
        long src = r.kbuf(0, (byte) 1);
        r.cpu.preemptDisable();
        try {
            assertThat(r.u.copyToUser(r.cpu, U, src, 16)).isZero();
            assertThat(r.u.copyToUser(r.cpu, U + r.page, src, 16)).as("in_atomic(): no fault handling").isEqualTo(16);
        } finally {
            r.cpu.preemptEnable();
        }
        assertThat(faults).isEmpty();
        assertThat(r.m.log().texts()).containsSubsequence(
                "BUG: sleeping function called from invalid context at include/linux/uaccess.h _inline_copy_to_user",
                "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/0",
                "preempt_count: 1, expected: 0");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void kernelCodeTouchingUserMemoryOutsideTheHelpersIsTheOopsWhereTheCpuHasSmap(String name) {
        Rig r = new Rig(name);
        r.user.map(U);
        long[] x = new long[1];
        assertThat(r.u.putUser(r.cpu, 42, U, 8)).isZero();
        boolean smap = r.m.arch().cpuFeatures().contains(org.kmemu.api.CpuFeature.SMAP);
        assertThat(smap).isEqualTo(!name.equals("page64k"));
        if (smap) {
            assertThatThrownBy(() -> r.cpu.load64(U)).isInstanceOf(PageFaultException.class)
                    .satisfies(e -> assertThat(((PageFaultException) e).fault().reason()).startsWith("SMAP"));
        } else {
            assertThat(r.cpu.load64(U)).isEqualTo(42);
        }
        assertThat(r.u.getUser(r.cpu, x, U, 8)).isZero();
        assertThat(x[0]).isEqualTo(42);
        assertThat(r.cpu.userAccessOpen()).as("every helper closes its window").isFalse();
        assertThat(r.cpu.uaccessFixupAllowed()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void aReadOnlyUserPageIsReadButNotWrittenAndABadKernelBufferIsAnOops(String name) {
        Rig r = new Rig(name);
        r.user.map(U, Gfp.GFP_KERNEL, 0);
        long src = r.kbuf(0, (byte) 3);
        assertThat(r.u.copyToUser(r.cpu, U, src, 8)).as("a protection fault with no mm: bad area").isEqualTo(8);
        long[] x = {1};
        assertThat(r.u.getUser(r.cpu, x, U, 8)).isZero();
        assertThat(x[0]).isZero();
        long badKernel = r.m.layout().vmallocStart() + 0x300000;
        assertThatThrownBy(() -> r.u.copyFromUser(r.cpu, badKernel, U, 8)).isInstanceOf(PageFaultException.class);
        assertThat(r.cpu.userAccessOpen()).isFalse();
    }
}
