package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_MAJOR;
import static org.kmemu.core.mm.memory.VmFaultCodes.VM_FAULT_SIGBUS;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.memory.VmFault;
import org.kmemu.core.mm.vma.Vma;

/**
 * Seeded random sequences of writes, reads, faults, truncates, writeback and drop_caches on one file,
 * checked against a byte[] model of its contents. After every step: the file reads as the model, the
 * counters agree with the cache, and every page the cache does not hold is back in the buddy allocator.
 */
class PageCacheModelProperties {
    private static final int MAX_PAGES = 6;

    @Property(tries = 25)
    void theCacheIsAFaithfulCopyAndLeaksNothing(@ForAll long seed) {
        Random r = new Random(seed);
        FsFixture f = new FsFixture("x86_64");
        int ps = f.pageSize;
        long free = f.m.nrFreePages();
        byte[] model = FsFixture.pattern(r.nextInt(MAX_PAGES * ps), (int) seed);
        Inode inode = f.fs.create("/model", model);
        Vma vma = FsFixture.map(inode.open(), MAX_PAGES * (long) ps, f.shift);
        for (int step = 0; step < 60; step++) {
            switch (r.nextInt(8)) {
                case 0, 1 -> {
                    int pos = r.nextInt(MAX_PAGES * ps);
                    int len = Math.min(r.nextInt(2 * ps + 1), MAX_PAGES * ps - pos);
                    byte[] data = new byte[len];
                    r.nextBytes(data);
                    assertThat(f.fs.filemap().write(f.cpu, inode, pos, data, 0, len)).isEqualTo(len);
                    // A write of no bytes changes nothing, not even the size (generic_perform_write
                    // returns 0 before any write_begin): a zero-length write past EOF does not extend.
                    if (len > 0 && pos + len > model.length) {
                        model = Arrays.copyOf(model, pos + len);
                    }
                    if (len > 0) { // an empty write past EOF: nothing to copy, and pos is past the model's end
                        System.arraycopy(data, 0, model, pos, len);
                    }
                }
                case 2 -> {
                    int pos = r.nextInt(MAX_PAGES * ps + 1);
                    int len = r.nextInt(3 * ps);
                    byte[] got = new byte[len];
                    long n = f.fs.filemap().read(f.cpu, inode, pos, got, 0, len);
                    int expect = Math.max(0, Math.min(len, model.length - pos));
                    assertThat(n).isEqualTo(expect);
                    assertThat(Arrays.copyOf(got, expect)).isEqualTo(Arrays.copyOfRange(model, Math.min(pos, model.length),
                            Math.min(pos, model.length) + expect));
                }
                case 3 -> {
                    long pgoff = r.nextInt(MAX_PAGES + 1);
                    VmFault vmf = f.vmf(f.cpu, null, vma, pgoff, 0);
                    int ret = vma.file().vmOps().fault(vmf);
                    if (pgoff * ps >= model.length) {
                        assertThat(ret).isEqualTo(VM_FAULT_SIGBUS);
                    } else {
                        assertThat(ret & ~VM_FAULT_MAJOR).isZero();
                        byte[] expect = new byte[ps];
                        System.arraycopy(model, (int) pgoff * ps, expect, 0, (int) Math.min(ps, model.length - pgoff * ps));
                        assertThat(f.pageBytes(vmf.pfn)).isEqualTo(expect);
                        f.pages.putPage(f.cpu, vmf.pfn);
                    }
                }
                case 4 -> {
                    int size = r.nextInt(MAX_PAGES * ps + 1);
                    assertThat(f.fs.truncate().truncate(f.cpu, inode, size)).isZero();
                    model = Arrays.copyOf(model, size);
                }
                case 5 -> f.fs.writeback().start(f.cpu, inode);
                case 6 -> f.fs.writeback().end(f.cpu, inode);
                default -> {
                    f.fs.writeback().sync(f.cpu, inode);
                    f.fs.dropCaches(f.cpu);
                    assertThat(inode.mapping().nrPages()).as("all clean and unused").isZero();
                }
            }
            assertThat(inode.size()).isEqualTo(model.length);
            long cached = inode.mapping().nrPages();
            assertThat(f.fs.stats().nrFilePages()).isEqualTo(cached);
            assertThat(f.m.nrFreePages()).as("every page not cached is free").isEqualTo(free - cached);
            long dirty = 0;
            long writeback = 0;
            for (long i = 0; i < MAX_PAGES; i++) {
                long pfn = f.fs.filemap().findGetPage(inode.mapping(), i);
                if (pfn != Filemap.NO_PFN) {
                    assertThat(i * ps).as("no page past EOF").isLessThan(model.length);
                    dirty += (f.flags(pfn) & PageFlags.PG_DIRTY) != 0 ? 1 : 0;
                    writeback += (f.flags(pfn) & PageFlags.PG_WRITEBACK) != 0 ? 1 : 0;
                    f.pages.putPage(f.cpu, pfn);
                }
            }
            assertThat(f.fs.stats().nrFileDirty()).isEqualTo(dirty);
            assertThat(f.fs.stats().nrWriteback()).isEqualTo(writeback);
        }
        f.fs.writeback().sync(f.cpu, inode);
        assertThat(FsFixture.disk(inode, model.length)).as("after sync the disk holds the file").isEqualTo(model);
        f.fs.truncate().truncate(f.cpu, inode, 0);
        assertThat(f.m.nrFreePages()).isEqualTo(free);
        assertThat(String.join("\n", f.m.log().texts())).doesNotContain("Bad page");
    }
}
