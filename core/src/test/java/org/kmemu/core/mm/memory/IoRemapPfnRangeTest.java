package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Errno;
import org.kmemu.api.PteFlags;
import org.kmemu.core.driver.IoMemDriver;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.DevicePlacement;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.proc.PidMaps;
import org.kmemu.core.testing.TestVram;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * A device's window mapped into a process with io_remap_pfn_range (vm_iomap_memory, fb_mmap's way) on the
 * x86_64, i386 and e500 stand-ins: the task's stores reach the device's registers, the PTEs are special and
 * uncached, vm_iomap_memory's refusals, GUP refused while access_process_vm goes through the VMA's
 * generic_access_phys, /proc/PID/maps and smaps as Linux shows a VM_PFNMAP mapping, and nothing is left
 * after exit.
 */
class IoRemapPfnRangeTest {
    private static final long FB = 0xfed00000L;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private static ArchSpec arch(String name) {
        return switch (name) {
            case "x86_64" -> new X86_64TestArch();
            case "i386" -> new I386TestArch();
            default -> new I386TestArch(true);
        };
    }

    private static Machine boot(String name, TestVram vram) {
        ArchSpec a = arch(name);
        return Boot.boot(TestMachines.config(a.id(), 64L << 20, 2), a, new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig(),
                List.of(new DevicePlacement.Placed("vram", FB, vram, "test.conf:1", "kmemu.devices[0]")));
    }

    private static Mm mm(RealMm r) {
        return (Mm) r.cpu.current().mm();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void theTaskWritesTheDeviceThroughItsMapping(String arch) {
        TestVram vram = new TestVram(0x2000);
        RealMm r = new RealMm(boot(arch, vram));
        IoMemDriver fb = new IoMemDriver(r.m.kernel(), r.m.arch(), "/dev/fb0", IoMemDriver.FB_MAJOR, 0, FB, vram.size());
        VmFile file = fb.open();
        assertThat(r.um.mmap().vmMmapPgoff(r.cpu, mm(r), 0, 3 * r.page, RW, Mman.MAP_SHARED, file, 0))
                .as("three pages of a two-page window").isEqualTo(-Errno.EINVAL);
        assertThat(r.um.mmap().vmMmapPgoff(r.cpu, mm(r), 0, r.page, RW, Mman.MAP_SHARED, file, 3))
                .as("vm_pgoff past the window").isEqualTo(-Errno.EINVAL);
        long addr = r.um.mmap().vmMmapPgoff(r.cpu, mm(r), 0, 2 * r.page, RW, Mman.MAP_SHARED, file, 0);
        assertThat(addr).isPositive();
        assertThat(mm(r).vmas().findVma(addr).flags() & RemapPfnRange.VM_REMAP_FLAGS).isEqualTo(RemapPfnRange.VM_REMAP_FLAGS);
        UserPageTables t = r.um.userPageTables();
        long pte = t.readPte(t.ptep(r.cpu, mm(r), addr + r.page, false));
        assertThat(t.pfn(pte)).isEqualTo((FB >>> r.m.pageShift()) + 1);
        int uc = r.m.arch().ioremapPteFlags(org.kmemu.api.PageCacheMode.UC_MINUS);
        assertThat(uc).as("pgprot_noncached has bits on every arch").isNotZero();
        assertThat(t.flags(pte) & (PteFlags.SPECIAL | uc | PteFlags.USER | PteFlags.WRITE))
                .as("special, uncached, user, writable").isEqualTo(PteFlags.SPECIAL | uc | PteFlags.USER | PteFlags.WRITE);

        int before = vram.writes;
        r.store(addr + r.page + 0x10, 0x00ff00ff);
        assertThat(vram.writes).as("the store reached the device").isEqualTo(before + 1);
        assertThat(vram.read(r.page + 0x10, 4)).isEqualTo(0x00ff00ffL);
        vram.write(0x20, 4, 0x77665544L);
        assertThat(r.load(addr + 0x20)).isEqualTo(0x77665544);

        // GUP cannot have a page there; access_process_vm goes through the VMA's generic_access_phys
        long[] out = new long[1];
        assertThat(r.um.gup().getUserPagesFast(r.cpu, addr, 1, 0, out)).isEqualTo(-Errno.EFAULT);
        byte[] buf = new byte[8];
        assertThat(r.um.accessRemote().accessRemoteVm(r.cpu, mm(r), addr + 0x20, buf, 0, 4, 0)).isEqualTo(4);
        assertThat(buf[0]).isEqualTo((byte) 0x44);
        byte[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        assertThat(r.um.accessRemote().accessRemoteVm(r.cpu, mm(r), addr + r.page - 4, w, 0, 8, FollFlags.FOLL_WRITE))
                .as("a write across the two pages").isEqualTo(8);
        assertThat(vram.mem[(int) r.page - 4]).isEqualTo((byte) 1);
        assertThat(vram.mem[(int) r.page + 3]).isEqualTo((byte) 8);

        // /proc/PID/maps names the node; smaps counts no RSS for raw frames and shows the flags
        assertThat(PidMaps.render(mm(r), r.m.pageShift(), r.m.arch().virtAddressBits() > 32 ? 8 : 4)).contains("/dev/fb0");
        String smaps = new org.kmemu.core.proc.ProcFs(r.m).read(r.task.pid() + "/smaps");
        assertThat(smaps).contains("/dev/fb0").contains("Rss:                   0 kB").contains("VmFlags: rd wr sh mr mw me ms pf io de dd");

        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aReadOnlyMappingRefusesAccessProcessVmWrites(String arch) {
        TestVram vram = new TestVram(0x2000);
        RealMm r = new RealMm(boot(arch, vram));
        VmFile file = new IoMemDriver(r.m.kernel(), r.m.arch(), "/dev/fb0", IoMemDriver.FB_MAJOR, 0, FB, vram.size()).open();
        long addr = r.um.mmap().vmMmapPgoff(r.cpu, mm(r), 0, r.page, Mman.PROT_READ, Mman.MAP_SHARED, file, 0);
        assertThat(mm(r).vmas().findVma(addr).flags() & VmFlags.VM_WRITE).isZero();
        assertThat(r.um.accessRemote().accessRemoteVm(r.cpu, mm(r), addr, new byte[4], 0, 4, FollFlags.FOLL_WRITE | FollFlags.FOLL_FORCE))
                .as("generic_access_phys: -EINVAL for a write through a read-only PTE").isZero();
        r.exitCurrent();
        assertThat(r.freeDelta()).isZero();
    }
}
