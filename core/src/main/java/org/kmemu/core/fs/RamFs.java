package org.kmemu.core.fs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmemu.api.Gfp;
import org.kmemu.core.kernel.MightSleep;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.mm.HandleTable;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFrames;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mmu.Cpu;

/**
 * kmemu's file system: a flat set of regular files by path on one emulated disk, each with its blocks
 * ({@link BackingStore}) and its page cache ({@link AddressSpace}). It stands for a disk file system such
 * as ext4 on {@code /dev/sda1}: device {@value #DEV_MAJOR}:{@value #DEV_MINOR} (SCSI disk major 8, first
 * partition, Documentation/admin-guide/devices.txt), inode numbers from {@value #FIRST_INO} on (ext4's
 * first inode for files, after the reserved ones and lost+found, EXT4_GOOD_OLD_FIRST_INO = 11). Unlike
 * ramfs, its files' contents live on the disk and the page cache is a cache of them: a page not cached
 * needs "I/O" (a copy from the disk), which is what makes a fault major.
 *
 * <p>Each mapping gets a handle in this file system's handle table for its pages' mapping word
 * ({@link MappingWord}: handle in the pointer bits, no PAGE_MAPPING_FLAGS); anonymous mappings keep their
 * own handles, told apart by PAGE_MAPPING_ANON.
 *
 * <p>Thread-safe: the path table is guarded by this object's monitor; the files' locks are described on
 * {@link Filemap}.
 */
public final class RamFs {
    /** The device's major number: SCSI disk ({@code sd}). */
    public static final int DEV_MAJOR = 8;
    /** The device's minor number: sda1. */
    public static final int DEV_MINOR = 1;
    /** The first inode number handed out. */
    public static final long FIRST_INO = 12;
    /** The gfp of regular files' mappings ({@code inode_init_always}: GFP_HIGHUSER_MOVABLE). */
    public static final int MAPPING_GFP = Gfp.GFP_HIGHUSER_MOVABLE;

    private final Filemap filemap;
    private final Writeback writeback;
    private final Truncate truncate;
    private final PageCacheStats stats = new PageCacheStats();
    private final HandleTable<AddressSpace> mappings = new HandleTable<>("address_space", MappingWord.MAX_HANDLE);
    private final Map<String, Inode> files = new LinkedHashMap<>();
    private long nextIno = FIRST_INO;

    /**
     * @param pages     the page API (allocation, references, the mapping word)
     * @param frames    the page frames (flags)
     * @param memory    RAM
     * @param pageShift PAGE_SHIFT
     * @param mightSleep the machine's might_sleep check: reads, writes, truncate and page locks may sleep
     */
    public RamFs(PageApi pages, PageFrames frames, PhysicalMemory memory, int pageShift, MightSleep mightSleep) {
        this.filemap = new Filemap(pages, frames, memory, pageShift, stats, mightSleep);
        this.writeback = new Writeback(filemap);
        this.truncate = new Truncate(filemap, writeback);
    }

    /**
     * Creates a regular file whose contents are on the disk and not cached (as after a reboot): the
     * first access to each page reads it.
     *
     * @param path     an absolute path not in use
     * @param contents the file's bytes (copied)
     * @return its inode
     * @throws IllegalArgumentException for a relative path or one that exists (the kernel's -EEXIST of
     *                                  {@code O_CREAT|O_EXCL})
     */
    public Inode create(String path, byte[] contents) {
        return create(path, contents, contents.length);
    }

    /**
     * Creates a sparse regular file: {@code size} bytes with no blocks on the disk (as {@code truncate -s}
     * makes one), so every page reads as zeros until written. Sizes past what a Java array holds are fine.
     *
     * @param path an absolute path not in use
     * @param size the file size in bytes, 0 or more
     * @return its inode
     * @throws IllegalArgumentException for a relative or existing path, or a negative size
     */
    public Inode createSparse(String path, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: 0 or more)");
        }
        return create(path, new byte[0], size);
    }

    private Inode create(String path, byte[] contents, long size) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path: " + path + " (expected: an absolute path)");
        }
        Inode inode;
        synchronized (this) {
            if (files.containsKey(path)) {
                throw new IllegalArgumentException("path: " + path + " exists (expected: a new file, EEXIST)");
            }
            inode = new Inode(this, nextIno++, path, size);
            AddressSpace mapping = new AddressSpace(inode, MAPPING_GFP);
            mapping.setHandle(mappings.add(mapping));
            inode.setMapping(mapping);
            inode.disk().write(0, contents, 0, contents.length);
            files.put(path, inode);
        }
        return inode;
    }

    /**
     * @param path a path
     * @return its inode, or null (the kernel's -ENOENT)
     */
    public synchronized Inode lookup(String path) {
        return files.get(path);
    }

    /**
     * {@code open(path)}: a new struct file.
     *
     * @param path a path
     * @return the open file, or null if there is no such file (-ENOENT)
     */
    public VmFile open(String path) {
        Inode inode = lookup(path);
        return inode == null ? null : inode.open();
    }

    /**
     * @param file a file from {@link #open} or {@link Inode#open}
     * @return its inode ({@code file_inode()}), or null for a file not of this file system
     */
    public Inode inodeOf(VmFile file) {
        if (file != null && file.vmOps() instanceof GenericFileVmOps ops && ops.inode().superBlock() == this) {
            return ops.inode();
        }
        return null;
    }

    /** @return every file, in creation order */
    public synchronized List<Inode> inodes() {
        return new ArrayList<>(files.values());
    }

    /**
     * {@code page_mapping()} / {@code folio_mapping()} for a page of this file system.
     *
     * @param pages the page API
     * @param pfn   a page
     * @return the address_space the page is cached in, or null
     */
    public AddressSpace pageMapping(PageApi pages, long pfn) {
        long word = pages.pageMappingWord(pfn);
        return MappingWord.isAnon(word) ? null : mappings.get(MappingWord.handle(word));
    }

    /** @return the page-cache operations (lookup, add, delete, read, write) */
    public Filemap filemap() {
        return filemap;
    }

    /** @return writeback (start, end, sync) */
    public Writeback writeback() {
        return writeback;
    }

    /** @return truncate and page invalidation */
    public Truncate truncate() {
        return truncate;
    }

    /** @return the page-cache counters */
    public PageCacheStats stats() {
        return stats;
    }

    /**
     * {@code sync(2)}: writes back every file's dirty pages and waits.
     *
     * @param cpu the calling CPU
     * @return the pages written
     */
    public int sync(Cpu cpu) {
        int n = 0;
        for (Inode inode : inodes()) {
            n += writeback.sync(cpu, inode);
        }
        return n;
    }

    /**
     * {@code echo 1 > /proc/sys/vm/drop_caches}: drops every clean, unmapped, unused cached page.
     *
     * @param cpu the calling CPU
     * @return the pages dropped
     */
    public int dropCaches(Cpu cpu) {
        int n = 0;
        for (Inode inode : inodes()) {
            n += truncate.invalidateMappingPages(cpu, inode);
        }
        return n;
    }

    /**
     * NR_FILE_MAPPED (meminfo Mapped): cached pages that some page-table entry maps (mapcount above 0).
     * Counted by a walk of the caches when read rather than kept as a counter: the kernel keeps it in
     * {@code folio_add_file_rmap_pte} / {@code folio_remove_rmap_pte}, which belong to whoever maps the
     * page (mm/rmap.c), and a walk is right whatever code maps it. The cost is one pass over the cached
     * pages per /proc/meminfo read.
     *
     * @return the pages
     */
    public long nrFileMapped() {
        PageFrames frames = filemap.frames();
        long n = 0;
        for (Inode inode : inodes()) {
            AddressSpace m = inode.mapping();
            synchronized (m) {
                long[] e = m.entriesFromLocked(0);
                for (int i = 1; i < e.length; i += 2) {
                    if (frames.mapcount(e[i]) > 0) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
