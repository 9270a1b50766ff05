package org.kmemu.core.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.KernelCalls;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

/** Scripts run on the caller's thread with the bound objects; their errors name the script's line. */
class JShellScriptTest {
    private static final Machine M = TestMachines.x86_64(64L << 20);

    /** Records the calls and the thread each came on; allocations return 0x1000, 0x2000, ... */
    static final class FakeCalls implements KernelCalls {
        final List<String> calls = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        long advanced;
        private long next;

        private void seen(String call) {
            calls.add(call);
            threads.add(Thread.currentThread());
        }

        @Override public int cpus() { return 2; }
        @Override public long kmalloc(int cpu, long size, int gfp, String site) { seen("kmalloc " + cpu + " " + size + " " + site); return next += 0x1000; }
        @Override public void kfree(int cpu, long ptr, String site) { seen("kfree " + Long.toHexString(ptr)); }
        @Override public int kmemCacheCreate(String name, int size, int align, int flags) { seen("create " + name); return 0; }
        @Override public long kmemCacheAlloc(int cpu, int cache, int gfp, String site) { seen("cache_alloc"); return next += 0x1000; }
        @Override public void kmemCacheFree(int cpu, int cache, long ptr, String site) { seen("cache_free"); }
        @Override public long allocPages(int cpu, int gfp, int order) { seen("alloc_pages " + order); return 7; }
        @Override public void freePages(int cpu, long pfn, int order) { seen("free_pages " + pfn); }
        @Override public long vmalloc(int cpu, long size) { seen("vmalloc"); return 0; }
        @Override public void vfree(int cpu, long addr) { seen("vfree"); }
        @Override public void memset(int cpu, long vaddr, int value, long len) { seen("memset"); }
        @Override public long readLong(int cpu, long vaddr) { seen("readLong"); return 0; }
        @Override public long pageAddress(long pfn) { seen("pageAddress"); return 0; }
        @Override public long kmapLocal(int cpu, long pfn) { seen("kmapLocal"); return 0; }
        @Override public void kunmapLocal(int cpu, long vaddr) { seen("kunmapLocal"); }
        @Override public int pageShift() { return 12; }
        @Override public void advance(long n) { advanced += n; }
    }

    @Test
    void theScriptCallsTheBoundObjectsOnTheCallersThread() {
        FakeCalls k = new FakeCalls();
        int snippets = new JShellScript("t.jsh", """
                // sizes from the machine: the same object the test booted
                long p = kernel.kmalloc(1, machine.cpus() * 100, Gfp.GFP_KERNEL, "t_site");

                void twice(int order) {
                    long pfn = kernel.allocPages(0, Gfp.GFP_KERNEL, order);
                    kernel.freePages(0, pfn, order);
                }
                twice(cpu.id() + 3);
                kernel.kfree(1, p, "t_site");
                """).run(M, k);
        assertThat(snippets).isEqualTo(4);
        assertThat(k.calls).containsExactly("kmalloc 1 " + M.cpus() * 100 + " t_site", "alloc_pages 3", "free_pages 7", "kfree 1000");
        assertThat(k.threads).containsOnly(Thread.currentThread());
    }

    @Test
    void aCompileErrorNamesTheScriptsLineAndJavacsWords() {
        assertThatThrownBy(() -> new JShellScript("bad.jsh", """
                int a = 1;

                int b = a +
                    nosuch;
                """).run(M, new FakeCalls()))
                .isInstanceOf(ScriptException.class).hasMessage("bad.jsh:4: error: cannot find symbol; symbol: variable nosuch");
    }

    @Test
    void anExceptionNamesTheLineOfTheScriptFrameThatThrew() {
        FakeCalls k = new FakeCalls();
        assertThatThrownBy(() -> new JShellScript("boom.jsh", """
                void check(long p) {
                    int unused = 0;
                    if (p != 0) {
                        throw new IllegalStateException("p = " + p);
                    }
                }
                long p = kernel.kmalloc(0, 8, Gfp.GFP_KERNEL, "s");
                check(p);
                kernel.kfree(0, p, "s");
                """).run(M, k))
                .isInstanceOf(ScriptException.class).hasMessage("boom.jsh:4: java.lang.IllegalStateException: p = 4096");
        assertThat(k.calls).as("the script stops at the exception").hasSize(1);
        assertThatThrownBy(() -> new JShellScript("div.jsh", "int a = 0;\n\nint b = 1 / a;\n").run(M, k))
                .hasMessage("div.jsh:3: java.lang.ArithmeticException: / by zero");
    }

    @Test
    void aScriptThatEndsInsideAStatementIsRefused() {
        assertThatThrownBy(() -> new JShellScript("cut.jsh", "int a = 1;\nvoid f() {\n  a++;\n").run(M, new FakeCalls()))
                .isInstanceOf(ScriptException.class).hasMessageStartingWith("cut.jsh:2: the script ends inside this statement");
    }

    @Test
    void kernelCallsAreTheEventsAndTheHostIsToldAsTheyGo() {
        FakeCalls k = new FakeCalls();
        CountingKernelCalls counting = new CountingKernelCalls(k);
        new JShellScript("loop.jsh", """
                for (int i = 0; i < 3000; i++) {
                    kernel.kfree(0, kernel.kmalloc(0, 32, Gfp.GFP_KERNEL, "loop"), "loop");
                }
                kernel.advance(5);
                """).run(M, counting);
        assertThat(counting.events()).isEqualTo(6000);
        assertThat(k.advanced).as("every %d calls, and the script's own advance", CountingKernelCalls.ADVANCE_EVERY)
                .isEqualTo(6000 + 5);
    }
}
