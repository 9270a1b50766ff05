package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.mm.vma.VmFile;

class RamFsTest {
    private final FsFixture f = new FsFixture("x86_64");

    @Test
    void filesHaveInodeNumbersTheDeviceAndASize() {
        Inode a = f.fs.create("/usr/bin/cat", FsFixture.pattern(10_000, 1));
        Inode b = f.fs.create("/etc/passwd", new byte[0]);
        assertThat(a.ino()).isEqualTo(RamFs.FIRST_INO);
        assertThat(b.ino()).isEqualTo(RamFs.FIRST_INO + 1);
        assertThat(a.size()).isEqualTo(10_000);
        assertThat(b.size()).isZero();
        assertThat(f.fs.lookup("/usr/bin/cat")).isSameAs(a);
        assertThat(f.fs.lookup("/nonexistent")).as("ENOENT").isNull();
        assertThat(f.fs.open("/nonexistent")).isNull();
        assertThat(f.fs.inodes()).containsExactly(a, b);
        assertThat(a.mapping().gfp()).isEqualTo(Gfp.GFP_HIGHUSER_MOVABLE);
        assertThat(a.mapping().host()).isSameAs(a);
        assertThat(a.mapping().handle()).isNotEqualTo(b.mapping().handle()).isPositive();
        assertThat(a.mapping().nrPages()).as("nothing cached until read").isZero();
        assertThat(FsFixture.disk(a, 10_000)).isEqualTo(FsFixture.pattern(10_000, 1));
        assertThat(a.diskBlocks()).isEqualTo(3);
    }

    @Test
    void aPathIsCreatedOnceAndMustBeAbsolute() {
        f.fs.create("/a", new byte[1]);
        assertThatThrownBy(() -> f.fs.create("/a", new byte[1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EEXIST");
        assertThatThrownBy(() -> f.fs.create("a", new byte[1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: an absolute path");
    }

    @Test
    void twoOpensAreTwoFilesOnOneInode() {
        Inode a = f.fs.create("/lib/libc.so.6", new byte[100]);
        VmFile one = f.fs.open("/lib/libc.so.6");
        VmFile two = a.open();
        assertThat(one).isNotEqualTo(two).isNotSameAs(two);
        assertThat(one).isEqualTo(one);
        assertThat(one.path()).isEqualTo("/lib/libc.so.6");
        assertThat(one.devMajor()).isEqualTo(8);
        assertThat(one.devMinor()).isEqualTo(1);
        assertThat(one.ino()).isEqualTo(a.ino());
        assertThat(one.vmOps()).isSameAs(two.vmOps()).isSameAs(a.vmOps());
        assertThat(f.fs.inodeOf(one)).isSameAs(a);
        assertThat(f.fs.inodeOf(new VmFile("/x", 8, 1, 99))).as("an identity-only file").isNull();
        assertThat(new VmFile("/x", 8, 1, 99).vmOps()).isNull();
    }

    @Test
    void pageMappingFindsTheAddressSpaceOfACachedPage() {
        Inode a = f.fs.create("/f", new byte[5000]);
        assertThat(f.fs.filemap().read(f.cpu, a, 4096, new byte[10], 0, 10)).isEqualTo(10);
        long pfn = f.fs.filemap().findGetPage(a.mapping(), 1);
        assertThat(f.fs.pageMapping(f.pages, pfn)).isSameAs(a.mapping());
        f.pages.putPage(f.cpu, pfn);
        long anon = f.pages.allocPages(f.cpu, 0, 0);
        assertThat(f.fs.pageMapping(f.pages, anon)).isNull();
        f.pages.putPage(f.cpu, anon);
    }
}
