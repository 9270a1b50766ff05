package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.kmemu.api.Errno;
import org.kmemu.core.testing.UserMm;

/**
 * Random mmap / munmap / mprotect / mremap sequences on one mm, checked after every call against a page-by-page
 * reference model (which pages are mapped, with which protection) and against the tree's own invariants:
 * sorted, disjoint, map_count equal to the number of VMAs, and no two touching VMAs that Linux would have
 * merged (same flags but VM_SOFTDIRTY, same file, compatible anon_vmas, contiguous pgoff). At the end
 * exit_mmap gives every page back.
 */
class MmapProperties {
    private static final int[] PROTS = {Mman.PROT_READ, Mman.PROT_READ | Mman.PROT_WRITE, Mman.PROT_READ | Mman.PROT_EXEC,
        Mman.PROT_NONE};
    private static final int WINDOW_PAGES = 96;
    private static UserMm u;

    private static synchronized UserMm machine() {
        if (u == null) {
            u = UserMm.boot("x86_64");
        }
        return u;
    }

    @Property(tries = 100)
    void randomSequencesKeepTheVmasRightAndMerged(@ForAll long seed, @ForAll @IntRange(min = 1, max = 80) int ops) {
        UserMm u = machine();
        long free0 = u.m.nrFreePages();
        Mm mm = u.newMm();
        long p = u.page();
        long window = mm.mmapBase() - WINDOW_PAGES * p;
        Map<Long, Integer> model = new TreeMap<>(Long::compareUnsigned);
        Random r = new Random(seed);
        for (int i = 0; i < ops; i++) {
            int op = r.nextInt(4);
            long addr = window + r.nextInt(WINDOW_PAGES) * p;
            long len = (1 + r.nextInt(8)) * p;
            int prot = PROTS[r.nextInt(PROTS.length)];
            String what;
            if (op == 0) {
                boolean fixed = r.nextBoolean();
                int flags = Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | (fixed ? Mman.MAP_FIXED : 0);
                long got = u.mmap.vmMmapPgoff(u.cpu, mm, fixed ? addr : 0, len, prot, flags, null, 0);
                what = String.format("mmap(%#x, %d pages, %d, fixed=%b) = %#x", addr, len / p, prot, fixed, got);
                assertThat(got).as(what).isNotNegative();
                if (fixed) {
                    assertThat(got).as(what).isEqualTo(addr);
                }
                set(model, got, len, prot, p);
            } else if (op == 1) {
                int err = u.mmap.vmMunmap(u.cpu, mm, addr, len);
                what = String.format("munmap(%#x, %d pages)", addr, len / p);
                assertThat(err).as(what).isZero();
                for (long a = addr; a < addr + len; a += p) {
                    model.remove(a);
                }
            } else if (op == 2) {
                int err = u.mprotect.mprotect(u.cpu, mm, addr, len, prot);
                what = String.format("mprotect(%#x, %d pages, %d) = %d", addr, len / p, prot, err);
                long a = addr;
                while (a < addr + len && model.containsKey(a)) {
                    model.put(a, prot);
                    a += p;
                }
                assertThat(err).as(what).isEqualTo(a == addr + len ? 0 : -Errno.ENOMEM);
            } else {
                List<Vma> all = new ArrayList<>(mm.vmas().vmas());
                if (all.isEmpty()) {
                    continue;
                }
                Vma v = all.get(r.nextInt(all.size()));
                long pages = (v.end() - v.start()) / p;
                long old = v.start() + r.nextInt((int) pages) * p;
                long oldLen = (1 + r.nextInt((int) ((v.end() - old) / p))) * p;
                int flags = r.nextBoolean() ? Mman.MREMAP_MAYMOVE : 0;
                long got = u.mremap.mremap(u.cpu, mm, old, oldLen, len, flags, 0);
                what = String.format("mremap(%#x, %d pages, %d pages, %d) = %#x", old, oldLen / p, len / p, flags, got);
                if (got >= 0) {
                    int was = model.get(old);
                    for (long a = old; a < old + oldLen; a += p) {
                        model.remove(a);
                    }
                    set(model, got, len, was, p);
                } else {
                    assertThat(got).as(what).isEqualTo(-Errno.ENOMEM);
                    assertThat(flags).as(what + ": only a move not allowed fails").isZero();
                }
            }
            check(mm, model, p, what);
        }
        u.exit.exitMmap(u.cpu, mm);
        assertThat(u.m.nrFreePages()).isEqualTo(free0);
    }

    private static void set(Map<Long, Integer> model, long addr, long len, int prot, long p) {
        for (long a = addr; a < addr + len; a += p) {
            model.put(a, prot);
        }
    }

    private static void check(Mm mm, Map<Long, Integer> model, long p, String after) {
        Vma prev = null;
        Map<Long, Integer> seen = new TreeMap<>(Long::compareUnsigned);
        int n = 0;
        for (Vma v : mm.vmas().vmas()) {
            n++;
            assertThat(Long.compareUnsigned(v.start(), v.end()) < 0).as(after + ": " + v).isTrue();
            if (prev != null) {
                assertThat(Long.compareUnsigned(prev.end(), v.start()) <= 0).as("%s: sorted, disjoint: %s %s", after, prev, v)
                        .isTrue();
                if (prev.end() == v.start()) {
                    assertThat(mergeable(prev, v, p)).as("%s: %s and %s left unmerged", after, prev, v).isFalse();
                }
            }
            int prot = (int) (v.flags() & (VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC));
            for (long a = v.start(); a < v.end(); a += p) {
                seen.put(a, prot);
            }
            prev = v;
        }
        assertThat(mm.vmas().mapCount()).as(after + ": map_count").isEqualTo(n);
        Map<Long, Integer> expected = new TreeMap<>(Long::compareUnsigned);
        model.forEach((a, prot) -> expected.put(a, (int) Mman.calcVmProtBits(prot)));
        assertThat(seen).as(after + ": pages and protections").isEqualTo(expected);
    }

    private static boolean mergeable(Vma a, Vma b, long p) {
        return VmaMerge.isMergeableVma(a, b.flags(), b.file())
                && VmaMerge.isMergeableAnonVma(a.anonVma(), b.anonVma(), null)
                && a.pgoff() + (a.end() - a.start()) / p == b.pgoff();
    }
}
