package org.kmemu.core.demo;

import java.io.PrintWriter;
import java.util.List;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.vma.Mman;
import org.kmemu.core.mmu.Cpu;
import org.kmemu.core.sched.Task;

/**
 * {@code fork-cow}: copy-on-write after fork (kernel/fork.c dup_mm → mm/memory.c copy_page_range,
 * do_wp_page). The parent writes a page and forks: both PTEs are made read-only over the one page
 * (refcount 2, mapcount 2, PG_anon_exclusive cleared). The child's write faults and copies (wp_page_copy);
 * the parent's write then faults and reuses its page, which only it maps now (wp_page_reuse: no copy).
 * Each sees its own data; both exit and every page goes back.
 */
final class ForkCowDemo implements Demo {
    @Override
    public String name() {
        return "fork-cow";
    }

    @Override
    public String summary() {
        return "fork: shared read-only PTEs, the child's write copies (COW), the parent's reuses; all pages back";
    }

    @Override
    public List<String> description() {
        return List.of(
                "A task writes a page of anonymous memory and forks. Both PTEs now map the same page read-only",
                "(refcount 2, mapcount 2). The child writes: a write-protect fault, do_wp_page -> wp_page_copy, a new",
                "page for the child. The parent writes: the old page is its alone now (refcount 1), so",
                "wp_page_reuse makes the PTE writable again without a copy. Each reads its own data; the child and",
                "the parent exit and nr_free_pages comes back to where it started.");
    }

    @Override
    public void run(Machine m, PrintWriter pw) {
        Steps out = new Steps(pw);
        out.header(this, m);
        Cpu cpu = m.mmu().cpu(0);
        long freeBefore = UserProcess.freePages(m);
        try (FaultLog faults = new FaultLog(m)) {
            UserProcess parent = UserProcess.spawn(m, "cow-demo");

            out.step("the parent " + parent.who() + " maps a page and writes it");
            long a = parent.mmap(parent.pageSize, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, null, 0);
            Checks.positive(a, "mmap");
            out.line("mmap(NULL, %d, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = %#x", parent.pageSize, a);
            out.detail(parent.mapsLine(a));
            int mark = faults.mark();
            parent.storeString(a, "written by the parent before fork");
            out.line("*(char *)%#x = \"written by the parent before fork\"", a);
            out.faults(faults.since(mark));
            long pfn = parent.pfn(a);
            out.detail("parent " + parent.pteLine(a));
            out.detail(PageView.of(m, pfn));

            out.step("fork()");
            Task childTask = m.scheduler().fork(cpu);
            Checks.that(childTask != null, "fork: -ENOMEM");
            UserProcess child = UserProcess.of(m, childTask);
            out.line("fork() = %d (in the parent): dup_mm -> copy_page_range write-protects both PTEs", childTask.pid());
            out.detail("parent " + parent.pteLine(a));
            out.detail("child  " + child.pteLine(a));
            out.detail(PageView.of(m, pfn));
            out.detail("child's VMA: %s", child.mapsLine(a));
            Checks.equal(child.pfn(a), pfn, "the child's PTE maps the parent's page");
            Checks.that(!parent.pteWritable(a) && !child.pteWritable(a), "both PTEs read-only after fork");
            Checks.equal(m.kernel().pages().pageRefCount(pfn), 2, "refcount after fork");
            Checks.equal(m.kernel().pages().pageMapcount(pfn), 2, "mapcount after fork");
            String pssShared = parent.smapsField(a, "Pss");
            out.detail("/proc/%d/smaps: %s, %s: the page is mapped twice, each pays half", parent.task.pid(),
                    pssShared, parent.smapsField(a, "Shared_Dirty"));
            Checks.equal(pssShared, "Pss: " + (parent.pageSize / 2 >> 10) + " kB", "the parent's Pss after fork");

            out.step("the child " + child.who() + " writes: copy-on-write");
            child.run();
            out.line("context_switch(%s -> %s)", parent.who(), child.who());
            mark = faults.mark();
            child.storeString(a, "written by the child");
            out.line("*(char *)%#x = \"written by the child\"", a);
            out.faults(faults.since(mark));
            long childPfn = child.pfn(a);
            out.detail("child  " + child.pteLine(a));
            out.detail("child's page:  %s", PageView.of(m, childPfn));
            out.detail("parent's page: %s", PageView.of(m, pfn));
            Checks.that(childPfn != pfn, "the child's write made a copy");
            Checks.that(faults.since(mark).stream().anyMatch(FaultLog.Entry::cow), "a COW fault");
            String pssOwn = parent.smapsField(a, "Pss");
            out.detail("/proc/%d/smaps: %s: the parent's page is its own again", parent.task.pid(), pssOwn);
            Checks.equal(pssOwn, "Pss: " + (parent.pageSize >> 10) + " kB", "the parent's Pss after the child's copy");

            out.step("the parent writes: its page is exclusive now, reused");
            parent.run();
            out.line("context_switch(%s -> %s)", child.who(), parent.who());
            mark = faults.mark();
            parent.storeString(a, "written by the parent after fork");
            out.line("*(char *)%#x = \"written by the parent after fork\"", a);
            out.faults(faults.since(mark));
            out.detail("parent " + parent.pteLine(a));
            out.detail("parent's page: %s", PageView.of(m, parent.pfn(a)));
            Checks.equal(parent.pfn(a), pfn, "the parent reuses its page");
            Checks.that((m.pageFrames().flags(pfn) & PageFlags.PG_ANON_EXCLUSIVE) != 0 || m.kernel().pages().pageRefCount(pfn) == 1,
                    "the parent's page is exclusive");

            out.step("each reads its own data");
            String ps = parent.loadString(a, 64);
            out.line("%s reads %#x: \"%s\"", parent.who(), a, ps);
            child.run();
            String cs = child.loadString(a, 64);
            out.line("%s reads %#x: \"%s\"", child.who(), a, cs);
            Checks.equal(ps, "written by the parent after fork", "the parent's data");
            Checks.equal(cs, "written by the child", "the child's data");

            out.step("both exit");
            m.scheduler().doExit(cpu, 0);
            out.line("%s: do_exit(0): exit_mmap frees pfn %#x", child.who(), childPfn);
            parent.run();
            m.scheduler().doExit(cpu, 0);
            out.line("%s: do_exit(0): exit_mmap frees pfn %#x", parent.who(), pfn);
            long freeAfter = UserProcess.freePages(m);
            out.line("drain_all_pages(); nr_free_pages() = %d before the parent, %d after both exit: %s", freeBefore, freeAfter,
                    freeAfter == freeBefore ? "every page is back" : "PAGES LOST");
            Checks.equal(freeAfter, freeBefore, "nr_free_pages after exit");
        }
    }
}
