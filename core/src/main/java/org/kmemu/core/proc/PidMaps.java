package org.kmemu.core.proc;

import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFile;
import org.kmemu.core.mm.vma.VmFlags;

/**
 * /proc/PID/maps, one line per VMA as fs/proc/task_mmu.c {@code show_map_vma} prints it (6.x):
 * <pre>
 * start-end   at least 8 lowercase hex digits each (seq_put_hex_ll(..., 8))
 * perms       r/w/x or '-', then 's' for VM_MAYSHARE else 'p'
 * offset      vm_pgoff &lt;&lt; PAGE_SHIFT for a file, 0 for anonymous memory, at least 8 hex digits
 * dev         major:minor, at least 2 hex digits each; 00:00 without a file
 * inode       decimal, 0 without a file
 * </pre>
 * then a space; a named mapping pads the line with spaces to {@code 25 + sizeof(void *) * 6 - 1}
 * characters (seq_setwidth; 72 on 64-bit, 48 on 32-bit, so names start in column 74 or 50), adds one more space (seq_pad) and the name: the
 * file's path, or {@code [heap]} for a VMA overlapping (start_brk, brk) (vma_is_initial_heap), or
 * {@code [stack]} for the one holding start_stack (vma_is_initial_stack). An anonymous line ends in the
 * space.
 */
public final class PidMaps {
    private PidMaps() {
    }

    /**
     * @param mm           the task's mm; the caller holds its mmap lock for read (as m_start's mmap_read_lock_killable)
     * @param pageShift    PAGE_SHIFT
     * @param pointerBytes sizeof(void *): 8 on x86_64, 4 on i386 and e500
     * @return the file's text, every line ending in a newline
     */
    public static String render(Mm mm, int pageShift, int pointerBytes) {
        StringBuilder sb = new StringBuilder();
        for (Vma vma : mm.vmas().vmas()) {
            appendLine(sb, mm, vma, pageShift, pointerBytes);
        }
        return sb.toString();
    }

    /**
     * One VMA's line ({@code show_map_vma}), as /proc/PID/maps and the head of each /proc/PID/smaps entry print it.
     *
     * @param sb           where the line goes, ending in a newline
     * @param mm           the VMA's mm (brk, start_stack)
     * @param vma          the VMA
     * @param pageShift    PAGE_SHIFT
     * @param pointerBytes sizeof(void *)
     */
    static void appendLine(StringBuilder sb, Mm mm, Vma vma, int pageShift, int pointerBytes) {
        int width = 25 + pointerBytes * 6 - 1;
        int lineStart = sb.length();
        VmFile file = vma.file();
        long flags = vma.flags();
        hex(sb, vma.start(), 8);
        sb.append('-');
        hex(sb, vma.end(), 8);
        sb.append(' ')
                .append((flags & VmFlags.VM_READ) != 0 ? 'r' : '-')
                .append((flags & VmFlags.VM_WRITE) != 0 ? 'w' : '-')
                .append((flags & VmFlags.VM_EXEC) != 0 ? 'x' : '-')
                .append((flags & VmFlags.VM_MAYSHARE) != 0 ? 's' : 'p')
                .append(' ');
        hex(sb, file == null ? 0 : vma.pgoff() << pageShift, 8);
        sb.append(' ');
        hex(sb, file == null ? 0 : file.devMajor(), 2);
        sb.append(':');
        hex(sb, file == null ? 0 : file.devMinor(), 2);
        sb.append(' ').append(Long.toUnsignedString(file == null ? 0 : file.ino())).append(' ');
        String name = name(mm, vma);
        if (name != null) {
            while (sb.length() - lineStart < width) {
                sb.append(' ');
            }
            sb.append(' ').append(name);
        }
        sb.append('\n');
    }

    private static String name(Mm mm, Vma vma) {
        if (vma.file() != null) {
            return vma.file().path();
        }
        // vma_is_initial_heap (include/linux/mm.h, 6.x): strict on both sides, so an empty heap names nothing
        if (Long.compareUnsigned(vma.start(), mm.brk()) < 0 && Long.compareUnsigned(vma.end(), mm.startBrk()) > 0) {
            return "[heap]";
        }
        // vma_is_initial_stack; start_stack 0 (no exec yet) is below every VMA (mmap_min_addr)
        if (Long.compareUnsigned(vma.start(), mm.startStack()) <= 0 && Long.compareUnsigned(vma.end(), mm.startStack()) >= 0) {
            return "[stack]";
        }
        return null;
    }

    /** seq_put_hex_ll(m, NULL, v, width): lowercase hex, zero-padded to at least width digits. */
    private static void hex(StringBuilder sb, long v, int width) {
        String h = Long.toHexString(v);
        for (int i = h.length(); i < width; i++) {
            sb.append('0');
        }
        sb.append(h);
    }
}
