package org.kmemu.core.mm.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.kmemu.core.fs.Inode;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mm.vma.Vma;
import org.kmemu.core.mm.vma.VmFlags;
import org.kmemu.core.mmu.UserFaultSignal;
import org.kmemu.core.sched.SigInfo;
import org.kmemu.core.sched.Task;

/**
 * The whole user-memory system against a model, on the x86_64, i386 (highmem) and e500-like test machines: random
 * sequences of mmap (anonymous private and shared, file private and shared, MAP_FIXED over whatever is
 * there), munmap, mprotect, mremap (move and resize of a private anonymous VMA), fork, exit, context
 * switches, user loads and stores through the CPU in user mode as the running task, get_user_pages and
 * pin_user_pages (local and remote, with FOLL_WRITE and FOLL_FORCE) whose references are held across later
 * steps and released at random, and access_process_vm reads and writes between tasks.
 *
 * <p>The model keeps, per task and page, the bytes written (a "cell" that fork copies for private memory
 * and shares for shared memory; a private file page reads through to the file's cell until its first
 * write). After every step each page a task maps and each page a GUP reference holds has a positive
 * refcount and a mapcount from 0 to its refcount. At the end every task's written words read back as the
 * model says, the file reads back what shared mappings wrote, then every task exits, every GUP reference is
 * released, the files' page caches are truncated, and the buddy allocator holds exactly the free pages it
 * held before the first mmap.
 *
 * <p>Known difference: kmemu has no shmem, so a MAP_SHARED|MAP_ANONYMOUS page that was not faulted in
 * before fork is a page of its own in parent and child (Linux would share it); the model follows kmemu.
 * Each step is decoded from one long of the list, relative to the state then, so any sub-list is a valid
 * run and jqwik shrinks a failure to a short sequence.
 */
class UserMemorySystemPropertiesTest {
    private static final long U = 0x10000000L;
    private static final int ARENA = 32;
    private static final int FILE_PAGES = 8;
    private static final int MAX_TASKS = 4;
    private static final Map<String, Machine> MACHINES = new ConcurrentHashMap<>();
    private static final AtomicInteger FILES = new AtomicInteger();

    enum Kind { ANON_PRIVATE, ANON_SHARED, FILE_PRIVATE, FILE_SHARED }

    /** Bytes of one page: written 32-bit words over a base (zeros, or a file page's pattern). */
    static final class Cell {
        final long filePage; // -1: zeros
        final Map<Integer, Integer> words;

        Cell(long filePage, Map<Integer, Integer> words) {
            this.filePage = filePage;
            this.words = words;
        }

        int get(int w) {
            Integer v = words.get(w);
            return v != null ? v : filePage < 0 ? 0 : RealMm.pattern(filePage, w);
        }

        Cell copy() {
            return new Cell(filePage, new HashMap<>(words));
        }
    }

    /** What one page of a task maps. */
    static final class Slot {
        final Kind kind;
        int prot;
        Cell cell;
        boolean readsFile; // a private file page not yet copied

        Slot(Kind kind, int prot, Cell cell, boolean readsFile) {
            this.kind = kind;
            this.prot = prot;
            this.cell = cell;
            this.readsFile = readsFile;
        }

        /** The cell a write goes to: a private file page gets its own copy first (COW). */
        Cell forWrite() {
            if (readsFile) {
                cell = cell.copy();
                readsFile = false;
            }
            return cell;
        }

        boolean shared() {
            return kind == Kind.ANON_SHARED || kind == Kind.FILE_SHARED;
        }
    }

    /** A task and its model. */
    static final class Proc {
        final Task task;
        final TreeMap<Integer, Slot> slots = new TreeMap<>(); // arena page -> slot

        Proc(Task task) {
            this.task = task;
        }

        Mm mm() {
            return (Mm) task.mm();
        }
    }

    /** A GUP reference held across steps. */
    record Ref(long pfn, boolean pin) {
    }

    @Provide
    Arbitrary<String> archs() {
        return Arbitraries.of("x86_64", "i386", "e500-like");
    }

    private static Machine machine(String arch) {
        return MACHINES.computeIfAbsent(arch, UserMmFixture::bootMachine);
    }

    @Property(tries = 100, seed = "20261202")
    void everyTaskSeesItsModelAndEveryPageComesBack(@ForAll("archs") String arch,
            @ForAll @Size(min = 1, max = 150) List<Long> steps) {
        net.jqwik.api.statistics.Statistics.label("arch").collect(arch); // the report shows the tries per arch
        Run run = new Run(machine(arch));
        try {
            for (long step : steps) {
                run.step(new Random(step));
                run.checkCounts();
            }
            run.checkData();
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nsteps (task: op):\n" + String.join("\n", run.trace), e);
        } finally {
            run.finish();
        }
        assertThat(run.freeDelta()).as("every page back in the buddy allocator").isZero();
    }

    /** One run: the machine, the live tasks and their models, the files and the GUP references held. */
    static final class Run {
        final RealMm r;
        final List<Proc> procs = new ArrayList<>();
        final Inode[] files = new Inode[2];
        final Cell[][] fileCells = new Cell[2][FILE_PAGES];
        final List<Ref> refs = new ArrayList<>();
        final List<String> trace = new ArrayList<>();
        Proc cur;

        Run(Machine m) {
            r = new RealMm(m);
            cur = new Proc(r.task);
            procs.add(cur);
            for (int f = 0; f < files.length; f++) {
                files[f] = r.file("/prop" + FILES.incrementAndGet(), FILE_PAGES);
                for (int p = 0; p < FILE_PAGES; p++) {
                    fileCells[f][p] = new Cell(p, new HashMap<>());
                }
            }
        }

        long addr(int page) {
            return U + page * r.page;
        }

        void note(String what, Object... args) {
            trace.add(cur.task + ": " + String.format(what, args));
        }

        void step(Random rnd) {
            int op = rnd.nextInt(100);
            if (op < 15) {
                mmap(rnd);
            } else if (op < 22) {
                munmap(rnd);
            } else if (op < 30) {
                mprotect(rnd);
            } else if (op < 35) {
                mremap(rnd);
            } else if (op < 42) {
                fork();
            } else if (op < 47) {
                exit(rnd);
            } else if (op < 52) {
                switchTo(procs.get(rnd.nextInt(procs.size())));
            } else if (op < 67) {
                userWrite(rnd);
            } else if (op < 80) {
                userRead(rnd);
            } else if (op < 90) {
                gup(rnd);
            } else if (op < 94) {
                if (!refs.isEmpty()) {
                    Ref ref = refs.remove(rnd.nextInt(refs.size()));
                    note("release pfn %#x", ref.pfn());
                    release(ref);
                }
            } else {
                accessProcessVm(rnd);
            }
        }

        private static int prot(Random rnd) {
            int p = rnd.nextInt(8);
            return p == 0 ? Mman.PROT_NONE : p < 3 ? Mman.PROT_READ : Mman.PROT_READ | Mman.PROT_WRITE;
        }

        void mmap(Random rnd) {
            int start = rnd.nextInt(ARENA);
            int len = 1 + rnd.nextInt(Math.min(4, ARENA - start));
            Kind kind = Kind.values()[rnd.nextInt(4)];
            int prot = prot(rnd);
            int f = rnd.nextInt(files.length);
            int pgoff = rnd.nextInt(FILE_PAGES - len + 1);
            boolean file = kind == Kind.FILE_PRIVATE || kind == Kind.FILE_SHARED;
            boolean shared = kind == Kind.ANON_SHARED || kind == Kind.FILE_SHARED;
            int flags = Mman.MAP_FIXED | (shared ? Mman.MAP_SHARED : Mman.MAP_PRIVATE) | (file ? 0 : Mman.MAP_ANONYMOUS);
            long ret = r.mmap(addr(start), len * r.page, prot, flags, file ? files[f] : null, file ? pgoff : 0);
            note("mmap %#x +%d pages %s prot %d file %d pgoff %d", addr(start), len, kind, prot, f, pgoff);
            assertThat(ret).as("mmap %s", kind).isEqualTo(addr(start));
            for (int i = 0; i < len; i++) {
                Slot s = switch (kind) {
                    case ANON_PRIVATE, ANON_SHARED -> new Slot(kind, prot, new Cell(-1, new HashMap<>()), false);
                    case FILE_PRIVATE -> new Slot(kind, prot, fileCells[f][pgoff + i], true);
                    case FILE_SHARED -> new Slot(kind, prot, fileCells[f][pgoff + i], false);
                };
                cur.slots.put(start + i, s);
            }
        }

        void munmap(Random rnd) {
            int start = rnd.nextInt(ARENA);
            int len = 1 + rnd.nextInt(Math.min(6, ARENA - start));
            note("munmap %#x +%d pages", addr(start), len);
            assertThat(r.um.mmap().vmMunmap(r.cpu, cur.mm(), addr(start), len * r.page)).isZero();
            for (int i = 0; i < len; i++) {
                cur.slots.remove(start + i);
            }
        }

        void mprotect(Random rnd) {
            int start = rnd.nextInt(ARENA);
            int len = 1 + rnd.nextInt(Math.min(6, ARENA - start));
            for (int i = 0; i < len; i++) {
                if (!cur.slots.containsKey(start + i)) {
                    return; // a hole: Linux changes the part before it and says -ENOMEM; not modelled here
                }
            }
            int prot = prot(rnd);
            note("mprotect %#x +%d pages prot %d", addr(start), len, prot);
            assertThat(r.um.mprotect().mprotect(r.cpu, cur.mm(), addr(start), len * r.page, prot)).isZero();
            for (int i = 0; i < len; i++) {
                cur.slots.get(start + i).prot = prot;
            }
        }

        void mremap(Random rnd) {
            if (cur.slots.isEmpty()) {
                return;
            }
            List<Integer> keys = new ArrayList<>(cur.slots.keySet());
            Vma vma = cur.mm().vmas().vmaLookup(addr(keys.get(rnd.nextInt(keys.size()))));
            assertThat(vma).isNotNull();
            if (vma.file() != null || (vma.flags() & VmFlags.VM_SHARED) != 0) {
                return; // only private anonymous memory moves here
            }
            int old = (int) ((vma.start() - U) / r.page);
            int oldLen = (int) ((vma.end() - vma.start()) / r.page);
            int newLen = 1 + rnd.nextInt(4);
            int to = rnd.nextInt(ARENA - newLen + 1);
            if (to < old + oldLen && old < to + newLen) {
                return; // overlapping ranges are -EINVAL
            }
            note("mremap %#x +%d pages to %#x +%d pages", addr(old), oldLen, addr(to), newLen);
            long ret = r.um.mremap().mremap(r.cpu, cur.mm(), addr(old), oldLen * r.page, newLen * r.page,
                    Mman.MREMAP_MAYMOVE | Mman.MREMAP_FIXED, addr(to));
            assertThat(ret).as("mremap %s to %#x", vma, addr(to)).isEqualTo(addr(to));
            List<Slot> moved = new ArrayList<>();
            for (int i = 0; i < oldLen; i++) {
                moved.add(cur.slots.remove(old + i));
            }
            int prot = moved.get(0).prot;
            for (int i = 0; i < newLen; i++) {
                cur.slots.put(to + i, i < oldLen ? moved.get(i) : new Slot(Kind.ANON_PRIVATE, prot, new Cell(-1, new HashMap<>()), false));
            }
        }

        void fork() {
            if (procs.size() >= MAX_TASKS) {
                return;
            }
            Task child = r.m.scheduler().fork(r.cpu);
            assertThat(child).isNotNull();
            Proc c = new Proc(child);
            note("fork -> %s", child);
            UserPageTables t = r.um.userPageTables();
            for (Map.Entry<Integer, Slot> e : cur.slots.entrySet()) {
                Slot s = e.getValue();
                Slot cs;
                if (s.kind == Kind.ANON_SHARED) {
                    // no shmem: only a page the parent has is shared
                    long ptep = t.ptep(r.cpu, cur.mm(), addr(e.getKey()), false);
                    boolean has = ptep != UserPageTables.NO_PTEP && !UserPageTables.pteNone(t.readPte(ptep));
                    cs = new Slot(s.kind, s.prot, has ? s.cell : new Cell(-1, new HashMap<>()), false);
                } else if (s.kind == Kind.FILE_SHARED || s.readsFile) {
                    cs = new Slot(s.kind, s.prot, s.cell, s.readsFile);
                } else {
                    cs = new Slot(s.kind, s.prot, s.cell.copy(), false);
                }
                c.slots.put(e.getKey(), cs);
            }
            procs.add(c);
        }

        void exit(Random rnd) {
            if (procs.size() < 2) {
                return;
            }
            Proc p = procs.remove(rnd.nextInt(procs.size()));
            switchTo(p);
            note("exit");
            r.m.scheduler().doExit(r.cpu, 0);
            assertThat(p.task.exited()).isTrue();
            cur = null;
            switchTo(procs.get(rnd.nextInt(procs.size())));
        }

        void switchTo(Proc p) {
            r.m.scheduler().contextSwitch(r.cpu, p.task);
            cur = p;
        }

        void userWrite(Random rnd) {
            int page = rnd.nextInt(ARENA);
            int w = rnd.nextInt((int) (r.page / 4));
            int v = rnd.nextInt();
            Slot s = cur.slots.get(page);
            long a = addr(page) + 4L * w;
            if (s == null || (s.prot & Mman.PROT_WRITE) == 0) {
                assertThatThrownBy(() -> r.store(a, v)).as("write to %#x", a).isInstanceOfSatisfying(UserFaultSignal.class,
                        e -> assertThat(e.signal().signo()).isEqualTo(SigInfo.SIGSEGV));
                return;
            }
            r.store(a, v);
            note("store %#x = %d", a, v);
            s.forWrite().words.put(w, v);
        }

        void userRead(Random rnd) {
            int page = rnd.nextInt(ARENA);
            Slot s = cur.slots.get(page);
            int w = s != null && !s.cell.words.isEmpty() && rnd.nextBoolean()
                    ? new ArrayList<>(s.cell.words.keySet()).get(rnd.nextInt(s.cell.words.size()))
                    : rnd.nextInt((int) (r.page / 4));
            long a = addr(page) + 4L * w;
            if (s == null || s.prot == Mman.PROT_NONE) {
                assertThatThrownBy(() -> r.load(a)).as("read of %#x", a).isInstanceOfSatisfying(UserFaultSignal.class,
                        e -> assertThat(e.signal().signo()).isEqualTo(SigInfo.SIGSEGV));
                return;
            }
            assertThat(r.load(a)).as("task %s reads %#x", cur.task, a).isEqualTo(s.cell.get(w));
        }

        /** Whether GUP (or access_process_vm) may reach the slot: check_vma_flags of mm/gup.c. */
        private static boolean gupAllowed(Slot s, boolean write, boolean force) {
            if (s == null) {
                return false;
            }
            if (write) {
                return (s.prot & Mman.PROT_WRITE) != 0 || (force && !s.shared());
            }
            return (s.prot & Mman.PROT_READ) != 0 || force;
        }

        void gup(Random rnd) {
            Proc p = procs.get(rnd.nextInt(procs.size()));
            int page = rnd.nextInt(ARENA);
            boolean write = rnd.nextBoolean();
            boolean force = rnd.nextInt(3) == 0;
            boolean pin = rnd.nextBoolean();
            Slot s = p.slots.get(page);
            if (s != null && s.prot == Mman.PROT_NONE && force) {
                return; // Linux follows a PROT_NONE PTE under FOLL_FORCE (x86 pte_present); kmemu does not yet
            }
            int flags = (write ? FollFlags.FOLL_WRITE : 0) | (force ? FollFlags.FOLL_FORCE : 0);
            long[] out = new long[1];
            Mm mm = p.mm();
            Gup gup = r.um.gup();
            long n;
            mm.mmapLock().readLock();
            try {
                if (p == cur) {
                    n = pin ? gup.pinUserPages(r.cpu, addr(page), 1, flags, out) : gup.getUserPages(r.cpu, addr(page), 1, flags, out);
                } else {
                    n = pin ? gup.pinUserPagesRemote(r.cpu, mm, addr(page), 1, flags, out, null)
                            : gup.getUserPagesRemote(r.cpu, mm, addr(page), 1, flags, out, null);
                }
            } finally {
                mm.mmapLock().readUnlock();
            }
            boolean ok = gupAllowed(s, write, force);
            assertThat(n).as("GUP %s prot %s %#x write=%s force=%s pin=%s of %s", s == null ? null : s.kind, s == null ? 0 : s.prot, addr(page), write, force,
                    pin, p.task).isEqualTo(ok ? 1 : -org.kmemu.api.Errno.EFAULT);
            if (!ok) {
                return;
            }
            Ref ref = new Ref(out[0], pin);
            note("%s %#x of %s write=%s force=%s -> pfn %#x", pin ? "pin" : "gup", addr(page), p.task, write, force, out[0]);
            if (pin) {
                assertThat(r.m.kernel().pages().pageMaybeDmaPinned(ref.pfn())).isTrue();
            }
            if (write) {
                int w = rnd.nextInt((int) (r.page / 4));
                int v = rnd.nextInt();
                r.writePhys32(ref.pfn(), 4 * w, v); // the driver writes into the page it got
                note("  device writes word %#x = %d", 4 * w, v);
                s.forWrite().words.put(w, v);
            } else {
                int w = s.cell.words.isEmpty() ? 0 : s.cell.words.keySet().iterator().next();
                assertThat(r.phys32(ref.pfn(), 4 * w)).as("GUP's page holds what the task wrote").isEqualTo(s.cell.get(w));
            }
            if (rnd.nextBoolean()) {
                release(ref);
            } else {
                refs.add(ref);
            }
        }

        void release(Ref ref) {
            if (ref.pin()) {
                r.um.gup().unpinUserPage(r.cpu, ref.pfn());
            } else {
                r.um.gup().putPage(r.cpu, ref.pfn());
            }
        }

        void accessProcessVm(Random rnd) {
            Proc p = procs.get(rnd.nextInt(procs.size()));
            int page = rnd.nextInt(ARENA);
            boolean write = rnd.nextBoolean();
            Slot s = p.slots.get(page);
            if (s != null && s.prot == Mman.PROT_NONE) {
                return; // see gup(): ptrace of PROT_NONE memory is not followed by kmemu yet
            }
            int w = rnd.nextInt((int) (r.page / 4));
            byte[] buf = new byte[4];
            ByteBuffer bb = ByteBuffer.wrap(buf).order(r.m.arch().byteOrder());
            int v = rnd.nextInt();
            if (write) {
                bb.putInt(0, v);
            }
            int n = r.um.accessRemote().accessProcessVm(r.cpu, p.task, addr(page) + 4L * w, buf, 0, 4,
                    FollFlags.FOLL_FORCE | (write ? FollFlags.FOLL_WRITE : 0));
            boolean ok = gupAllowed(s, write, true);
            assertThat(n).as("access_process_vm %s prot %s write=%s", s == null ? null : s.kind, s == null ? 0 : s.prot, write).isEqualTo(ok ? 4 : 0);
            if (!ok) {
                return;
            }
            note("access_process_vm %s %#x of %s = %d", write ? "write" : "read", addr(page) + 4L * w, p.task, write ? v : bb.getInt(0));
            if (write) {
                s.forWrite().words.put(w, v);
            } else {
                assertThat(bb.getInt(0)).as("ptrace reads what %s wrote", p.task).isEqualTo(s.cell.get(w));
            }
        }

        /** Every page a task maps and every page a GUP reference holds: refcount above 0, mapcount 0..refcount. */
        void checkCounts() {
            long zero = r.um.zeroPfn();
            for (Proc p : procs) {
                for (int page : p.slots.keySet()) {
                    long pfn = r.pfn(p.mm(), addr(page));
                    if (pfn >= 0 && pfn != zero) {
                        checkPage(pfn, 1);
                    }
                }
            }
            for (Ref ref : refs) {
                checkPage(ref.pfn(), 0);
                if (ref.pin()) {
                    assertThat(r.m.kernel().pages().pageMaybeDmaPinned(ref.pfn())).isTrue();
                }
            }
        }

        private void checkPage(long pfn, int minMapcount) {
            int refs = r.refs(pfn);
            int map = r.mapcount(pfn);
            assertThat(refs).as("refcount of pfn %#x", pfn).isPositive();
            assertThat(map).as("mapcount of pfn %#x", pfn).isBetween(minMapcount, refs);
        }

        /** Every written word of every readable page reads back through the CPU; the files hold what was shared. */
        void checkData() {
            for (Proc p : new ArrayList<>(procs)) {
                switchTo(p);
                for (Map.Entry<Integer, Slot> e : p.slots.entrySet()) {
                    Slot s = e.getValue();
                    if (s.prot == Mman.PROT_NONE) {
                        continue;
                    }
                    for (int w : s.cell.words.keySet()) {
                        assertThat(r.load(addr(e.getKey()) + 4L * w)).as("task %s at %#x", p.task, addr(e.getKey()) + 4L * w)
                                .isEqualTo(s.cell.get(w));
                    }
                }
            }
            byte[] b = new byte[4];
            for (int f = 0; f < files.length; f++) {
                for (int pg = 0; pg < FILE_PAGES; pg++) {
                    for (int w : fileCells[f][pg].words.keySet()) {
                        r.m.kernel().fs().filemap().read(r.cpu, files[f], pg * r.page + 4L * w, b, 0, 4);
                        assertThat(ByteBuffer.wrap(b).order(r.m.arch().byteOrder()).getInt()).as("file %d page %d word %d", f, pg, w)
                                .isEqualTo(fileCells[f][pg].get(w));
                    }
                }
            }
        }

        /** Releases every GUP reference and exits every task. */
        void finish() {
            for (Ref ref : refs) {
                release(ref);
            }
            refs.clear();
            for (Proc p : procs) {
                if (!p.task.exited()) {
                    r.m.scheduler().contextSwitch(r.cpu, p.task);
                    r.m.scheduler().doExit(r.cpu, 0);
                }
            }
            procs.clear();
        }

        long freeDelta() {
            return r.freeDelta(files);
        }
    }
}
