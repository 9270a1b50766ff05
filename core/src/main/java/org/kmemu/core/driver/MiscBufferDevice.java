package org.kmemu.core.driver;

import java.util.IdentityHashMap;
import java.util.Map;
import org.kmemu.core.kernel.Kernel;
import org.kmemu.core.mm.vma.FileOperations;
import org.kmemu.core.mm.vma.VmFile;

/**
 * What the buffer drivers share: a misc character device (MISC_MAJOR, its minor, a node on devtmpfs) whose
 * every open owns one kernel buffer, as a driver keeps it in {@code file->private_data}. Subclasses allocate
 * the buffer in open, hand it to {@link #opened}, and take it back with {@link #released} in ->release.
 */
public abstract class MiscBufferDevice implements FileOperations {
    /** MISC_MAJOR (include/uapi/linux/major.h): misc devices' char major. */
    public static final int MISC_MAJOR = 10;

    /** The kernel services the driver calls. */
    protected final Kernel kernel;
    private final String path;
    private final long ino = DevTmpfs.nextIno();
    private final int minor;
    private final Map<VmFile, Long> buffers = new IdentityHashMap<>();

    /**
     * @param kernel the kernel services
     * @param path   the device node, e.g. /dev/kmemu_buf
     * @param minor  the misc minor number
     */
    protected MiscBufferDevice(Kernel kernel, String path, int minor) {
        this.kernel = kernel;
        this.path = path;
        this.minor = minor;
    }

    /**
     * An open that got its buffer: its file, with the buffer as its private data.
     *
     * @param buf the buffer's kernel address
     * @return the open file
     */
    protected final VmFile opened(long buf) {
        VmFile file = new VmFile(path, DevTmpfs.DEV_MAJOR, DevTmpfs.DEV_MINOR, ino, null, this);
        buffers.put(file, buf);
        return file;
    }

    /**
     * @param file an open being released
     * @return its buffer, now forgotten; null for a file that is not an open of this device (or released before)
     */
    protected final Long released(VmFile file) {
        return buffers.remove(file);
    }

    /**
     * @param file an open of this device
     * @return its buffer's kernel address
     */
    public final long buffer(VmFile file) {
        Long buf = buffers.get(file);
        if (buf == null) {
            throw new IllegalArgumentException(file + " (expected: an open of " + path + ")");
        }
        return buf;
    }

    /** @return the opens not yet released */
    public final int openCount() {
        return buffers.size();
    }

    /** @return the node and its char device number, as ls -l /dev shows them */
    @Override
    public String toString() {
        return path + " (char " + MISC_MAJOR + ", " + minor + ")";
    }
}
