package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.driver.VmallocUserDriver;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.kernel.Vmalloc;
import org.kmemu.core.kernel.VmapArea;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.proc.VmallocInfo;

/**
 * vm_insert_page and vmalloc_user + remap_vmalloc_range on the x86_64, i386 and e500 stand-ins: normal PTEs
 * with a reference, a mapcount and file RSS per page; VM_MIXEDMAP; GUP works (the pages have struct pages);
 * both sides see each other's writes; each refusal's errno; vfree before munmap keeps the mapped pages
 * until the munmap; nothing leaked.
 */
class VmInsertPageTest {
    private static final long ADDR = 0x30000000L;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private static Mm mm(RealMm r) {
        return (Mm) r.cpu.current().mm();
    }

    private static long mmap(RealMm r, long len, VmFile file, long pgoff) {
        return r.um.mmap().vmMmapPgoff(r.cpu, mm(r), 0, len, RW, Mman.MAP_SHARED, file, pgoff);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void vmallocUserMappedWithRemapVmallocRangeIsSharedAndCounted(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        PageApi pages = k.pages();
        int areas0 = k.vmalloc().busyAreas().size();
        long vmallocPages0 = k.vmalloc().nrVmallocPages();
        VmallocUserDriver drv = new VmallocUserDriver(k, "/dev/kmemu_ring", 62, 4 * r.page);
        VmFile file = drv.open(r.cpu);
        long buf = drv.buffer(file);
        VmapArea area = k.vmalloc().findVmArea(buf);
        assertThat(area.flags() & Vmalloc.VM_USERMAP).isNotZero();
        assertThat(VmallocInfo.render(k.vmalloc()).lines())
                .as("/proc/vmallocinfo marks it user").anyMatch(l -> l.contains("vmalloc_user_open") && l.contains(" vmalloc user"));
        for (int i = 0; i < 4; i++) {
            assertThat(r.cpu.load32(buf + i * r.page + 12)).as("vmalloc_user zeroes").isZero();
        }
        assertThat(mmap(r, 5 * r.page, file, 0)).as("five pages of a four-page area").isEqualTo(-Errno.EINVAL);
        assertThat(mmap(r, 2 * r.page, file, 3)).as("two pages from the fourth").isEqualTo(-Errno.EINVAL);
        long addr = mmap(r, 3 * r.page, file, 1);
        assertThat(addr).isPositive();
        Vma vma = mm(r).vmas().findVma(addr);
        assertThat(vma.flags() & (VmFlags.VM_MIXEDMAP | VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP | VmFlags.VM_PFNMAP))
                .isEqualTo(VmFlags.VM_MIXEDMAP | VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP);
        long[] pfns = area.pages();
        UserPageTables t = r.um.userPageTables();
        for (int i = 0; i < 3; i++) {
            long pfn = pfns[i + 1];
            assertThat(r.pfn(addr + i * r.page)).isEqualTo(pfn);
            long pte = t.readPte(t.ptep(r.cpu, mm(r), addr + i * r.page, false));
            assertThat(t.flags(pte) & PteFlags.SPECIAL).as("vm_insert_page's PTE is a normal one").isZero();
            assertThat(pages.pageRefCount(pfn)).as("vmalloc's + the mapping's").isEqualTo(2);
            assertThat(pages.pageMapcount(pfn)).isEqualTo(1);
        }
        assertThat(mm(r).rss(Mm.MM_FILEPAGES)).isEqualTo(3);
        r.store(addr + 8, 0x11223344);
        assertThat(r.cpu.load32(buf + r.page + 8)).isEqualTo(0x11223344);
        r.cpu.store32(buf + 3 * r.page + 4, 0x55667788);
        assertThat(r.load(addr + 2 * r.page + 4)).isEqualTo(0x55667788);
        // GUP works on VM_MIXEDMAP pages with struct pages
        long[] out = new long[1];
        assertThat(r.um.gup().getUserPagesFast(r.cpu, addr, 1, FollFlags.FOLL_WRITE, out)).isEqualTo(1);
        assertThat(out[0]).isEqualTo(pfns[1]);
        r.um.gup().putPage(r.cpu, out[0]);

        // release (vfree) before munmap: the mapped pages stay until the task lets go
        file.release(r.cpu);
        assertThat(k.vmalloc().findVmArea(buf)).isNull();
        assertThat(pages.pageRefCount(pfns[1])).as("only the mapping's reference is left").isEqualTo(1);
        assertThat(r.load(addr + 8)).isEqualTo(0x11223344);
        assertThat(r.um.mmap().vmMunmap(r.cpu, mm(r), addr, 3 * r.page)).isZero();
        assertThat(mm(r).rss(Mm.MM_FILEPAGES)).isZero();
        r.exitCurrent();
        k.vmalloc().purgeVmapAreaLazy(r.cpu);
        assertThat(k.vmalloc().busyAreas()).hasSize(areas0);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(k.vmalloc().nrVmallocPages()).isEqualTo(vmallocPages0);
        for (long pfn : pfns) {
            assertThat(pages.pageRefCount(pfn)).as("every page of the area went back").isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void remapVmallocRangeRefusesAnAreaWithoutVmUsermap(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        long plain = k.vmalloc().vmalloc(r.cpu, 2 * r.page, "test");
        long user = k.vmalloc().vmallocUser(r.cpu, 2 * r.page, "test");
        long addr = r.um.mmap().vmMmapPgoff(r.cpu, mm(r), ADDR, 2 * r.page, RW,
                Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        Vma vma = mm(r).vmas().findVma(addr);
        RemapPfnRange remap = r.um.remap();
        mm(r).mmapLock().writeLock();
        try {
            assertThat(remap.remapVmallocRange(r.cpu, mm(r), vma, k.vmalloc(), plain, 0)).as("no VM_USERMAP").isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapVmallocRange(r.cpu, mm(r), vma, k.vmalloc(), user + 1, 0)).as("unaligned").isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapVmallocRange(r.cpu, mm(r), vma, k.vmalloc(), user + r.page, 0)).as("not an area's start")
                    .isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapVmallocRange(r.cpu, mm(r), vma, k.vmalloc(), user, 1)).as("past the area").isEqualTo(-Errno.EINVAL);
            assertThat(r.pfn(addr)).as("nothing mapped by the refusals").isEqualTo(-1);
            assertThat(remap.remapVmallocRange(r.cpu, mm(r), vma, k.vmalloc(), user, 0)).isZero();
        } finally {
            mm(r).mmapLock().writeUnlock();
        }
        long[] userPages = k.vmalloc().findVmArea(user).pages();
        r.exitCurrent();
        k.vmalloc().vfree(r.cpu, plain);
        k.vmalloc().vfree(r.cpu, user);
        for (long pfn : userPages) {
            assertThat(k.pages().pageRefCount(pfn)).as("exit dropped the mapping's references, vfree vmalloc's").isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void vmInsertPageRefusesAsTheKernelDoes(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        PageApi pages = k.pages();
        long addr = r.um.mmap().vmMmapPgoff(r.cpu, mm(r), ADDR, 2 * r.page, RW,
                Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        long anon = r.anon(ADDR + 16 * r.page, 1);
        r.store(anon, 1);
        long anonPfn = r.pfn(anon);
        long slabObj = k.slab().kmalloc(r.cpu, 64, Gfp.GFP_KERNEL, "test");
        long slabPfn = k.addresses().virtToPage(slabObj);
        long page = pages.allocPages(r.cpu, Gfp.GFP_KERNEL, 0);
        long freed = pages.allocPages(r.cpu, Gfp.GFP_KERNEL, 0);
        pages.freePages(r.cpu, freed, 0);
        Vma vma = mm(r).vmas().findVma(addr);
        RemapPfnRange remap = r.um.remap();
        mm(r).mmapLock().writeLock();
        try {
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr + 2 * r.page, page)).as("outside the VMA").isEqualTo(-Errno.EFAULT);
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr, freed)).as("no reference").isEqualTo(-Errno.EINVAL);
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr, anonPfn)).as("an anonymous page").isEqualTo(-Errno.EINVAL);
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr, slabPfn)).as("a slab page").isEqualTo(-Errno.EINVAL);
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr, page)).isZero();
            assertThat(remap.vmInsertPage(r.cpu, mm(r), vma, addr, page)).as("the PTE is in use").isEqualTo(-Errno.EBUSY);
            assertThat(pages.pageRefCount(page)).isEqualTo(2);
            assertThat(vma.flags() & VmFlags.VM_MIXEDMAP).isNotZero();
        } finally {
            mm(r).mmapLock().writeUnlock();
        }
        // a VM_PFNMAP VMA takes no vm_insert_page
        long raw = r.um.mmap().vmMmapPgoff(r.cpu, mm(r), ADDR + 8 * r.page, r.page, RW,
                Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        Vma rawVma = mm(r).vmas().findVma(raw);
        mm(r).mmapLock().writeLock();
        try {
            assertThat(remap.remapPfnRange(r.cpu, mm(r), rawVma, raw, page, r.page, RemapPfnRange.vmPageProt(rawVma))).isZero();
            assertThat(remap.vmInsertPage(r.cpu, mm(r), rawVma, raw, page)).as("a VM_PFNMAP VMA").isEqualTo(-Errno.EINVAL);
        } finally {
            mm(r).mmapLock().writeUnlock();
        }
        assertThat(r.um.mmap().vmMunmap(r.cpu, mm(r), raw, r.page)).isZero();
        assertThat(pages.pageRefCount(page)).as("the raw mapping took no reference").isEqualTo(2);
        r.exitCurrent();
        pages.freePages(r.cpu, page, 0);
        k.slab().kfree(r.cpu, slabObj, "test");
        assertThat(pages.pageRefCount(page)).as("munmap dropped the mapping's reference, free the driver's").isZero();
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
    }
}
