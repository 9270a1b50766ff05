package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_DEFAULT;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_TRIED;
import static org.kmemu.core.mm.memory.FaultFlags.FAULT_FLAG_USER;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_MAJOR;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_RETRY;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_SIGBUS;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ZoneType;
import org.kmemu.core.Kmemu;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.fs.RamFs;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.proc.ProcFs;

/**
 * The page cache on the shipped machines with the real plugins (buddy allocator, each arch's page size and
 * byte order): filemap_fault's retry protocol returns the file's bytes, on i386 from a highmem page,
 * /proc/meminfo's Cached and Dirty count the cache, writeback reaches the disk, and truncate gives every
 * page back to the buddy allocator.
 */
class PageCacheTest {

    private static long meminfoKb(Machine m, String field) {
        for (String line : new ProcFs(m).read("meminfo").split("\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new AssertionError("no " + field + " line");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386-highmem", "i386-pae", "booke-e500"})
    void faultReadWriteTruncate(String config) {
        Machine m = Kmemu.boot(Launcher.ROOT.resolve("config/machines/" + config + ".conf"), Map.of(),
                Launcher.DIST.resolve("plugins"));
        Cpu cpu = m.mmu().cpu(0);
        RamFs fs = m.kernel().fs();
        int ps = 1 << m.pageShift();
        m.pageAllocator().drainAllPages();
        long free = m.nrFreePages();
        Mm mm = Mm.alloc(cpu, m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()), m.log());
        m.pageAllocator().drainAllPages();
        long freeWithMm = m.nrFreePages();

        byte[] contents = new byte[3 * ps + 17];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = (byte) (i * 7 + 1);
        }
        Inode inode = fs.create("/usr/lib/libdemo.so", contents);
        Vma vma = new Vma(0x10000000L, 0x10000000L + 8L * ps, VmFlags.VM_READ | VmFlags.VM_SHARED, 0, inode.open(), null);
        mm.mmapLock().readLock();
        VmFault first = new VmFault(cpu, mm, vma, vma.start() + ps, 1, FAULT_FLAG_DEFAULT | FAULT_FLAG_USER);
        assertThat(vma.file().vmOps().fault(first)).isEqualTo(VM_FAULT_MAJOR | VM_FAULT_RETRY);
        assertThat(mm.mmapLock().heldByCaller()).isFalse();
        mm.mmapLock().readLock();
        VmFault retry = new VmFault(cpu, mm, vma, vma.start() + ps, 1, FAULT_FLAG_DEFAULT | FAULT_FLAG_USER | FAULT_FLAG_TRIED);
        assertThat(vma.file().vmOps().fault(retry)).isEqualTo(VM_FAULT_MAJOR);
        byte[] page = new byte[ps];
        m.memory().read(retry.pfn << m.pageShift(), page, 0, ps);
        assertThat(page).isEqualTo(Arrays.copyOfRange(contents, ps, 2 * ps));
        if (config.startsWith("i386")) {
            assertThat(PageFlags.zone(m.pageFrames().flags(retry.pfn))).as("GFP_HIGHUSER_MOVABLE").isEqualTo(ZoneType.HIGHMEM);
        }
        VmFault past = new VmFault(cpu, mm, vma, vma.start() + 4L * ps, 4, FAULT_FLAG_DEFAULT);
        assertThat(vma.file().vmOps().fault(past)).isEqualTo(VM_FAULT_SIGBUS);
        mm.mmapLock().readUnlock();
        m.kernel().pages().putPage(cpu, retry.pfn);

        byte[] all = new byte[contents.length];
        assertThat(fs.filemap().read(cpu, inode, 0, all, 0, all.length)).isEqualTo(contents.length);
        assertThat(all).isEqualTo(contents);
        assertThat(meminfoKb(m, "Cached")).isEqualTo(4L * ps / 1024);
        fs.filemap().write(cpu, inode, 5, new byte[] {42}, 0, 1);
        assertThat(meminfoKb(m, "Dirty")).isEqualTo(ps / 1024);
        assertThat(fs.sync(cpu)).isEqualTo(1);
        assertThat(meminfoKb(m, "Dirty")).isZero();
        fs.dropCaches(cpu);
        byte[] one = new byte[1];
        fs.filemap().read(cpu, inode, 5, one, 0, 1);
        assertThat(one[0]).as("read back from the disk").isEqualTo((byte) 42);

        fs.truncate().truncate(cpu, inode, 0);
        assertThat(meminfoKb(m, "Cached")).isZero();
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).isEqualTo(freeWithMm);
        m.scheduler().leaveMm(cpu);
        mm.destroy(cpu, m.kernel().pages(), m.mmu());
        m.pageAllocator().drainAllPages();
        assertThat(m.nrFreePages()).isEqualTo(free);
    }
}
