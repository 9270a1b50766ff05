package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.Errno;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.driver.ReservedBufferDriver;
import org.kmemu.core.driver.ReservedBufferDriver.Allocation;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.proc.PidMaps;

/**
 * remap_pfn_range of reserved kernel pages into a process through a driver's ->mmap (the classic driver of
 * LDD3 ch. 15), on the x86_64, i386 and e500 stand-ins: the VMA's flags and the special PTEs, both sides
 * seeing each other's writes, the struct pages untouched, GUP and gup-fast refused, fork copying the raw
 * PTEs, munmap and exit zapping them, remap_pfn_range's refusals, the bad-page report for a page still
 * reserved (and still mapped) when it is freed, and no page left behind after release.
 */
class RemapPfnRangeTest {
    private static final long ADDR = 0x20000000L;
    private static final int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private static long mmap(RealMm r, long addr, long len, int prot, int flags, VmFile file, long pgoff) {
        return r.um.mmap().vmMmapPgoff(r.cpu, mm(r), addr, len, prot, flags, file, pgoff);
    }

    private static Mm mm(RealMm r) {
        return (Mm) r.cpu.current().mm();
    }

    private static long pte(RealMm r, Mm mm, long addr) {
        UserPageTables t = r.um.userPageTables();
        long ptep = t.ptep(r.cpu, mm, addr, false);
        return ptep == UserPageTables.NO_PTEP ? 0 : t.readPte(ptep);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void reservedPagesMappedWithRemapPfnRangeAreSharedBothWaysAndTheirStructPagesAreUntouched(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        PageApi pages = k.pages();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_buf", 60, 2, Allocation.GET_FREE_PAGES);
        VmFile file = drv.open(r.cpu);
        long buf = drv.buffer(file);
        long pfn0 = k.addresses().virtToPage(buf);
        for (int i = 0; i < 4; i++) {
            assertThat(pages.pageReserved(pfn0 + i)).as("SetPageReserved on every page").isTrue();
        }
        int ref0 = pages.pageRefCount(pfn0);
        long addr = mmap(r, 0, 4 * r.page, RW, Mman.MAP_SHARED, file, 0);
        assertThat(addr).isPositive();
        Vma vma = mm(r).vmas().findVma(addr);
        assertThat(vma.flags() & RemapPfnRange.VM_REMAP_FLAGS).as("VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP")
                .isEqualTo(VmFlags.VM_IO | VmFlags.VM_PFNMAP | VmFlags.VM_DONTEXPAND | VmFlags.VM_DONTDUMP);
        UserPageTables t = r.um.userPageTables();
        for (int i = 0; i < 4; i++) {
            long pte = pte(r, mm(r), addr + i * r.page);
            assertThat(t.pfn(pte)).isEqualTo(pfn0 + i);
            assertThat(t.flags(pte) & (PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.SPECIAL))
                    .as("a special PTE with the VMA's protection").isEqualTo(PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.SPECIAL);
            assertThat(pages.pageMapcount(pfn0 + i)).as("no mapcount").isZero();
        }
        assertThat(pages.pageRefCount(pfn0)).as("no reference").isEqualTo(ref0);
        assertThat(mm(r).rss()).as("not counted in RSS").isZero();

        // the task writes through its MMU, the driver reads through the kernel address, and back
        r.store(addr + r.page + 8, 0x12345678);
        assertThat(r.cpu.load32(buf + r.page + 8)).isEqualTo(0x12345678);
        r.cpu.store32(buf + 3 * r.page + 16, 0xfeedf00d);
        assertThat(r.load(addr + 3 * r.page + 16)).isEqualTo(0xfeedf00d);
        // copy_to_user from another kernel buffer lands in the driver's page
        long src = k.pages().getFreePages(r.cpu, Gfp.GFP_KERNEL, 0);
        r.cpu.store32(src, 0xa5a5a5a5);
        assertThat(k.uaccess().copyToUser(r.cpu, addr + 2 * r.page, src, 4)).isZero();
        assertThat(r.cpu.load32(buf + 2 * r.page)).isEqualTo(0xa5a5a5a5);
        k.pages().freePagesVirt(r.cpu, src, 0);

        // GUP refuses VM_IO | VM_PFNMAP (check_vma_flags); gup-fast stops at the special PTE and falls back
        long[] out = new long[4];
        mm(r).mmapLock().readLock();
        long slow = r.um.gup().getUserPages(r.cpu, addr, 1, FollFlags.FOLL_WRITE, out);
        mm(r).mmapLock().readUnlock();
        assertThat(slow).isEqualTo(-Errno.EFAULT);
        assertThat(r.um.gup().getUserPagesFast(r.cpu, addr, 4, FollFlags.FOLL_WRITE, out)).isEqualTo(-Errno.EFAULT);
        assertThat(r.um.gup().pinUserPagesFast(r.cpu, addr, 1, 0, out)).isEqualTo(-Errno.EFAULT);
        // access_process_vm: no ->access in this driver's VMA, so nothing moves
        byte[] b = new byte[4];
        assertThat(r.um.accessRemote().accessRemoteVm(r.cpu, mm(r), addr, b, 0, 4, 0)).isZero();
        // /proc/PID/maps names the device node, shared
        assertThat(PidMaps.render(mm(r), r.m.pageShift(), r.m.arch().virtAddressBits() > 32 ? 8 : 4))
                .contains("rw-s 00000000 00:05 ").contains("/dev/kmemu_buf");

        // munmap zaps the PTEs without touching the struct pages; release frees the buffer
        assertThat(r.um.mmap().vmMunmap(r.cpu, mm(r), addr, 4 * r.page)).isZero();
        assertThat(pte(r, mm(r), addr)).isZero();
        assertThat(pages.pageRefCount(pfn0)).isEqualTo(ref0);
        assertThat(pages.pageMapcount(pfn0)).isZero();
        file.release(r.cpu);
        assertThat(pages.pageReserved(pfn0)).as("ClearPageReserved on release").isFalse();
        r.exitCurrent();
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).as("no page leaked").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void kmallocBufferWorksTheSameAndExitZapsTheMapping(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_kbuf", 61, 2, Allocation.KMALLOC);
        VmFile file = drv.open(r.cpu);
        long buf = drv.buffer(file);
        assertThat(buf & (r.page - 1)).as("a four-page kmalloc (a large kmalloc, past the kmalloc caches) is page aligned").isZero();
        long addr = mmap(r, 0, 4 * r.page, RW, Mman.MAP_SHARED, file, 1);
        assertThat(addr).as("offset one page, four pages long is too long for a four-page buffer").isEqualTo(-Errno.EINVAL);
        assertThat(mm(r).vmas().findVma(0)).as("the refused mmap left no VMA").isNull();
        addr = mmap(r, 0, r.page, RW, Mman.MAP_SHARED, file, 1);
        assertThat(addr).isPositive();
        r.store(addr, 0x0badcafe);
        assertThat(r.cpu.load32(buf + r.page)).as("vm_pgoff 1: the buffer's second page").isEqualTo(0x0badcafe);
        long pfn1 = k.addresses().virtToPage(buf) + 1;
        r.exitCurrent(); // exit_mmap zaps the raw PTE
        assertThat(k.pages().pageMapcount(pfn1)).isZero();
        file.release(r.cpu);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void forkCopiesTheRawPtesAndTheChildsExitLeavesThePagesAlone(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_buf", 60, 0, Allocation.GET_FREE_PAGES);
        VmFile file = drv.open(r.cpu);
        long pfn = k.addresses().virtToPage(drv.buffer(file));
        long addr = mmap(r, 0, r.page, RW, Mman.MAP_SHARED, file, 0);
        int ref = k.pages().pageRefCount(pfn);
        Mm child = (Mm) r.um.lifecycle().dupMm(r.cpu, mm(r));
        long pte = pte(r, child, addr);
        assertThat(r.um.userPageTables().pfn(pte)).as("copy_page_range copies VM_PFNMAP's PTEs").isEqualTo(pfn);
        assertThat(r.um.userPageTables().flags(pte) & PteFlags.SPECIAL).isNotZero();
        assertThat(k.pages().pageRefCount(pfn)).isEqualTo(ref);
        r.um.exitMmap(r.cpu, child);
        assertThat(k.pages().pageRefCount(pfn)).isEqualTo(ref);
        assertThat(r.load(addr)).isZero(); // the parent's mapping still works
        r.exitCurrent();
        file.release(r.cpu);
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void mprotectKeepsTheEntriesSpecialAndTakesTheWriteBit(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        ReservedBufferDriver drv = new ReservedBufferDriver(r.m.kernel(), "/dev/kmemu_buf", 60, 0, Allocation.GET_FREE_PAGES);
        VmFile file = drv.open(r.cpu);
        long addr = mmap(r, 0, r.page, RW, Mman.MAP_SHARED, file, 0);
        assertThat(r.um.mprotect().mprotect(r.cpu, mm(r), addr, r.page, Mman.PROT_READ)).isZero();
        int f = r.um.userPageTables().flags(pte(r, mm(r), addr));
        assertThat(f & (PteFlags.SPECIAL | PteFlags.WRITE | PteFlags.PRESENT)).isEqualTo(PteFlags.SPECIAL | PteFlags.PRESENT);
        assertThat(r.um.mprotect().mprotect(r.cpu, mm(r), addr, r.page, Mman.PROT_NONE)).isZero();
        assertThat(r.um.mprotect().mprotect(r.cpu, mm(r), addr, r.page, RW)).isZero();
        assertThat(r.um.userPageTables().flags(pte(r, mm(r), addr)) & (PteFlags.SPECIAL | PteFlags.WRITE))
                .isEqualTo(PteFlags.SPECIAL | PteFlags.WRITE);
        r.exitCurrent();
        file.release(r.cpu);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void remapPfnRangeRefusesAsTheKernelDoes(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        RemapPfnRange remap = r.um.remap();
        long pfn = r.m.kernel().pages().allocPages(r.cpu, Gfp.GFP_KERNEL, 2);
        long shared = mmap(r, ADDR, 4 * r.page, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        Vma vs = mm(r).vmas().findVma(shared);
        mm(r).mmapLock().writeLock();
        try {
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vs, shared + 1, pfn, r.page, RemapPfnRange.vmPageProt(vs)))
                    .as("unaligned address").isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vs, shared + 3 * r.page, pfn, 2 * r.page, RemapPfnRange.vmPageProt(vs)))
                    .as("past the VMA's end").isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vs, shared + r.page, pfn, r.page, RemapPfnRange.vmPageProt(vs)))
                    .as("a shared mapping may be remapped in part").isZero();
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vs, shared, pfn, 2 * r.page, RemapPfnRange.vmPageProt(vs)))
                    .as("the second page's PTE is in use").isEqualTo(-Errno.EBUSY);
            assertThat(pte(r, mm(r), shared)).as("the partial mapping was zapped").isZero();
            assertThat(pte(r, mm(r), shared + r.page)).as("the PTE that was there stays").isNotZero();
        } finally {
            mm(r).mmapLock().writeUnlock();
        }
        long priv = mmap(r, ADDR + 16 * r.page, 2 * r.page, RW, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        Vma vp = mm(r).vmas().findVma(priv);
        mm(r).mmapLock().writeLock();
        try {
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vp, priv, pfn, r.page, RemapPfnRange.vmPageProt(vp)))
                    .as("a COW mapping must be remapped whole").isEqualTo(-Errno.EINVAL);
            assertThat(remap.remapPfnRange(r.cpu, mm(r), vp, priv, pfn + 2, 2 * r.page, RemapPfnRange.vmPageProt(vp))).isZero();
            assertThat(vp.pgoff()).as("vm_pgoff records the first pfn").isEqualTo(pfn + 2);
            assertThat(r.um.userPageTables().flags(pte(r, mm(r), priv)) & PteFlags.WRITE)
                    .as("a private mapping's vm_page_prot is read-only").isZero();
        } finally {
            mm(r).mmapLock().writeUnlock();
        }
        r.exitCurrent();
        r.m.kernel().pages().freePages(r.cpu, pfn, 2);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void freeingAReservedPageStillMappedIsBadPageState(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_buf", 60, 0, Allocation.GET_FREE_PAGES);
        drv.setClearReservedOnRelease(false);
        VmFile file = drv.open(r.cpu);
        long pfn = k.addresses().virtToPage(drv.buffer(file));
        long addr = mmap(r, 0, r.page, RW, Mman.MAP_SHARED, file, 0);
        r.store(addr, 42);
        file.release(r.cpu); // the buggy release: free_pages without ClearPageReserved, the task still mapping it
        assertThat(r.m.log().texts())
                .contains(String.format("BUG: Bad page state in process real  pfn:%05x", pfn))
                .contains("page dumped because: PAGE_FLAGS_CHECK_AT_FREE flag(s) set")
                .anyMatch(l -> l.startsWith("flags: ") && l.contains("reserved"));
        assertThat(r.load(addr)).as("the page was leaked, not freed: the task still reads its data").isEqualTo(42);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void thePageAllocatorReportsAMappedPageWhoseLastReferenceGoes(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        PageApi pages = r.m.kernel().pages();
        long pfn = pages.allocPages(r.cpu, Gfp.GFP_KERNEL, 0);
        long addr = mmap(r, ADDR, r.page, RW, Mman.MAP_SHARED | Mman.MAP_ANONYMOUS | Mman.MAP_FIXED, null, 0);
        Vma vma = mm(r).vmas().findVma(addr);
        mm(r).mmapLock().writeLock();
        assertThat(r.um.remap().vmInsertPage(r.cpu, mm(r), vma, addr, pfn)).isZero();
        mm(r).mmapLock().writeUnlock();
        pages.setPageReserved(pfn);
        pages.freePages(r.cpu, pfn, 0); // the driver's reference
        pages.freePages(r.cpu, pfn, 0); // a second free: the mapping's reference goes too, mapcount 1
        assertThat(r.m.log().texts()).contains("page dumped because: nonzero mapcount");
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aWriteToAPrivateRemapCopiesTheFrameIntoAnAnonymousPage(String arch) {
        RealMm r = new RealMm(UserMmFixture.bootMachine(arch));
        Kernel k = r.m.kernel();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_buf", 60, 0, Allocation.GET_FREE_PAGES);
        VmFile file = drv.open(r.cpu);
        long buf = drv.buffer(file);
        long pfn = k.addresses().virtToPage(buf);
        r.cpu.store32(buf + 8, 0x600d600d);
        long addr = mmap(r, 0, r.page, RW, Mman.MAP_PRIVATE, file, 0);
        assertThat(addr).isPositive();
        assertThat(mm(r).vmas().findVma(addr).pgoff()).as("a COW remap records the pfn in vm_pgoff").isEqualTo(pfn);
        assertThat(r.load(addr + 8)).isEqualTo(0x600d600d);
        r.store(addr + 12, 7); // wp_page_copy with no old page: a private copy of the frame
        long copy = r.pfn(addr);
        assertThat(copy).isNotEqualTo(pfn);
        assertThat(k.pages().pageAnon(copy)).isTrue();
        assertThat(r.load(addr + 8)).as("the copy has the frame's bytes").isEqualTo(0x600d600d);
        assertThat(r.cpu.load32(buf + 12)).as("the driver's page is untouched").isZero();
        assertThat(mm(r).rss(Mm.MM_ANONPAGES)).isEqualTo(1);
        Mm child = (Mm) r.um.lifecycle().dupMm(r.cpu, mm(r));
        assertThat(k.pages().pageMapcount(copy)).as("fork shares the COW copy as any anonymous page").isEqualTo(2);
        r.um.exitMmap(r.cpu, child);
        r.exitCurrent();
        file.release(r.cpu);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).as("the copy went with the exit").isZero();
    }

    /**
     * An x86_64 stand-in whose page-table format drops {@link PteFlags#SPECIAL}, as a plugin built against api
     * 1.1 does: vm_normal_page decides by VM_PFNMAP and gup-fast is not used.
     */
    private static org.kmemu.api.ArchSpec withoutPteSpecial() {
        org.kmemu.api.ArchSpec base = new org.kmemu.core.testing.X86_64TestArch();
        return (org.kmemu.api.ArchSpec) java.lang.reflect.Proxy.newProxyInstance(getClassLoader(),
                new Class<?>[] {org.kmemu.api.ArchSpec.class}, (proxy, method, args) -> {
                    Object result = invoke(method, base, args);
                    if (method.getName().equals("pageTableFormat")) {
                        org.kmemu.api.PageTableFormat f = (org.kmemu.api.PageTableFormat) result;
                        return java.lang.reflect.Proxy.newProxyInstance(getClassLoader(),
                                new Class<?>[] {org.kmemu.api.PageTableFormat.class}, (p2, m2, a2) -> {
                                    if (m2.getName().equals("encodeLeaf")) {
                                        a2[2] = (Integer) a2[2] & ~PteFlags.SPECIAL;
                                    }
                                    Object r2 = invoke(m2, f, a2);
                                    return m2.getName().equals("decode") ? (Integer) r2 & ~PteFlags.SPECIAL : r2;
                                });
                    }
                    return result;
                });
    }

    private static ClassLoader getClassLoader() {
        return RemapPfnRangeTest.class.getClassLoader();
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @org.junit.jupiter.api.Test
    void aFormatWithoutPteSpecialFallsBackToTheVmasFlags() {
        RealMm r = new RealMm(org.kmemu.core.testing.TestMachines.boot(withoutPteSpecial(), 256L << 20, 2));
        assertThat(r.um.userPageTables().hasPteSpecial()).isFalse();
        Kernel k = r.m.kernel();
        ReservedBufferDriver drv = new ReservedBufferDriver(k, "/dev/kmemu_buf", 60, 1, Allocation.GET_FREE_PAGES);
        VmFile file = drv.open(r.cpu);
        long pfn = k.addresses().virtToPage(drv.buffer(file));
        int ref = k.pages().pageRefCount(pfn);
        long addr = mmap(r, 0, 2 * r.page, RW, Mman.MAP_SHARED, file, 0);
        r.store(addr, 5);
        assertThat(r.um.userPageTables().flags(pte(r, mm(r), addr)) & PteFlags.SPECIAL).isZero();
        long[] out = new long[1];
        assertThat(r.um.gup().getUserPagesFast(r.cpu, addr, 1, 0, out)).as("no gup-fast: the slow path refuses").isEqualTo(-Errno.EFAULT);
        Mm child = (Mm) r.um.lifecycle().dupMm(r.cpu, mm(r));
        r.um.exitMmap(r.cpu, child);
        assertThat(r.um.mprotect().mprotect(r.cpu, mm(r), addr, r.page, Mman.PROT_READ)).isZero();
        r.exitCurrent();
        assertThat(k.pages().pageRefCount(pfn)).as("zap left the struct page alone").isEqualTo(ref);
        file.release(r.cpu);
        assertThat(r.m.log().texts()).noneMatch(l -> l.contains("Bad page"));
        assertThat(r.freeDelta()).isZero();
    }
}
