package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.Uaccess;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.sched.Task;

/** access_process_vm between two tasks, and the i386 4G/4G copy path next to the direct one. */
class AccessRemoteTest {
    private static final long BASE = 0x10000000L;
    private static final long RW = VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;
    private static final long RO = VmFlags.VM_READ | VmFlags.VM_MAYREAD | VmFlags.VM_MAYWRITE;

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aDebuggerReadsAndPokesAnotherTasksMemory(String arch) {
        GupRig r = new GupRig(arch);
        r.installFaultHandler();
        r.map(BASE, 2, RW, null);
        r.map(BASE + 0x10000, 1, RO, null);
        byte[] hello = "hello from the tracee".getBytes(StandardCharsets.US_ASCII);
        r.cpu.setUserMode(true);
        r.cpu.write(BASE + 4090, hello, 0, hello.length); // the task writes across a page boundary
        r.cpu.setUserMode(false);
        // The debugger is another task with an mm of its own, running on the same CPU.
        Mm other = Mm.alloc(r.cpu, r.pages, r.m.mmu(), MmapLayout.of(arch, r.m.layout(), r.m.pageShift()), r.m.log());
        Task debugger = r.m.scheduler().createUserTask("gdb", other);
        r.m.scheduler().contextSwitch(r.cpu, debugger);
        AccessRemote remote = new AccessRemote(r.gup, r.m.kernel().highmem(), r.pages, r.m.pageShift());

        byte[] got = new byte[hello.length];
        assertThat(remote.accessProcessVm(r.cpu, r.task, BASE + 4090, got, 0, got.length, FollFlags.FOLL_FORCE))
                .isEqualTo(hello.length);
        assertThat(got).isEqualTo(hello);

        byte[] bp = {(byte) 0xcc};
        assertThat(remote.accessProcessVm(r.cpu, r.task, BASE + 0x10000, bp, 0, 1, FollFlags.FOLL_WRITE))
                .as("a read-only mapping without force").isZero();
        assertThat(remote.accessProcessVm(r.cpu, r.task, BASE + 0x10000, bp, 0, 1,
                FollFlags.FOLL_WRITE | FollFlags.FOLL_FORCE)).as("PTRACE_POKEDATA forces it").isEqualTo(1);
        assertThat(remote.accessProcessVm(r.cpu, r.task, BASE + 0x20000, got, 0, 4, 0)).as("no VMA").isZero();
        assertThat(remote.accessProcessVm(r.cpu, r.m.scheduler().idleTask(0), BASE, got, 0, 4, 0)).as("no mm").isZero();

        r.m.scheduler().contextSwitch(r.cpu, r.task);
        r.cpu.setUserMode(true);
        assertThat(r.cpu.load8(BASE + 0x10000)).as("the tracee sees the breakpoint").isEqualTo((byte) 0xcc);
        r.cpu.setUserMode(false);
        r.m.scheduler().contextSwitch(r.cpu, debugger);
        r.m.scheduler().contextSwitch(r.cpu, r.task);
        other.destroy(r.cpu, r.pages, r.m.mmu());
        r.teardown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void theGupKmapPathCopiesWhatTheDirectPathCopies(String arch) {
        GupRig r = new GupRig(arch);
        r.installFaultHandler();
        r.map(BASE, 2, RW, null); // two pages, then a hole
        GupUserCopy path = new GupUserCopy(r.gup, r.m.kernel().highmem(), r.pages, r.m.pageShift());
        Uaccess gupPath = new Uaccess(r.m.memory(), r.m.layout().taskSize(), new org.kmemu.core.kernel.MightSleep(r.m.log()),
                path::copy);
        Uaccess direct = r.m.kernel().uaccess();
        long kbuf = r.pages.pageAddress(r.pages.allocPages(r.cpu, Gfp.GFP_KERNEL, 1));
        for (int i = 0; i < 8192; i++) {
            r.cpu.store8(kbuf + i, (byte) i);
        }
        long start = BASE + 8192 - 100;
        assertThat(gupPath.copyToUser(r.cpu, start, kbuf, 300)).as("stops at the hole").isEqualTo(200);
        assertThat(direct.copyToUser(r.cpu, start, kbuf, 300)).isEqualTo(200);
        assertThat(path.gupCalls()).as("one GUP per page, and the one that failed").isEqualTo(2);
        assertThat(path.kmapAtomics()).isEqualTo(1);

        long kbuf2 = r.pages.pageAddress(r.pages.allocPages(r.cpu, Gfp.GFP_KERNEL, 1));
        assertThat(gupPath.copyFromUser(r.cpu, kbuf2, BASE + 10, 5000)).isZero();
        for (int i = 0; i < 16; i++) {
            assertThat(r.cpu.load8(kbuf2 + 4086 + i)).isEqualTo((byte) 0);
        }
        assertThat(gupPath.copyFromUser(r.cpu, kbuf2, start, 300)).isEqualTo(200);

        for (int i = 0; i < 100; i++) {
            assertThat(r.cpu.load8(kbuf2 + i)).isEqualTo((byte) i);
        }
        for (int i = 100; i < 300; i++) {
            assertThat(r.cpu.load8(kbuf2 + i)).as("the uncopied tail is zeroed").isEqualTo((byte) 0);
        }
        r.pages.freePages(r.cpu, r.m.kernel().addresses().virtToPage(kbuf), 1);
        r.pages.freePages(r.cpu, r.m.kernel().addresses().virtToPage(kbuf2), 1);
        r.teardown();
    }
}
