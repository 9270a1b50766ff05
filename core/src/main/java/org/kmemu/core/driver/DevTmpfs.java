package org.kmemu.core.driver;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the device nodes live: devtmpfs, mounted on /dev. /proc/PID/maps prints a device file mapping with
 * the device number of the file system holding the node ({@code inode->i_sb->s_dev}, an anonymous one, not
 * the char device's own number) and the node's inode number (fs/proc/task_mmu.c show_map_vma).
 */
public final class DevTmpfs {
    /** The anonymous device numbers' major (UNNAMED_MAJOR, include/uapi/linux/major.h). */
    public static final int DEV_MAJOR = 0;
    /** The minor devtmpfs typically gets at boot (the fifth anonymous superblock: /dev shows 00:05). */
    public static final int DEV_MINOR = 5;

    private static final AtomicLong NEXT_INO = new AtomicLong(1000);

    private DevTmpfs() {
    }

    /** @return a new node's inode number (get_next_ino(), fs/inode.c) */
    public static long nextIno() {
        return NEXT_INO.getAndIncrement();
    }
}
