package org.kmemu.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kmemu.core.kernel.KernelBugException;
import org.kmemu.core.mm.PageFlags;

class PageLockTest {

    /** PG_locked excludes: threads that lock, bump a plain counter and unlock lose no update, and nobody sleeps forever. */
    @Test
    void pgLockedIsAMutexWithWakeups() throws Exception {
        FsFixture f = new FsFixture("x86_64");
        PageLock lock = f.fs.filemap().pageLock();
        long pfn = f.pages.allocPages(f.cpu, 0, 0);
        int[] counter = {0};
        int perThread = 20_000;
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    lock.lock(f.cpu, pfn);
                    counter[0]++;
                    lock.unlock(pfn);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(counter[0]).isEqualTo(threads.length * perThread);
        assertThat(f.flags(pfn) & PageFlags.PG_LOCKED).isZero();
        assertThat(lock.trylock(pfn)).isTrue();
        assertThat(lock.trylock(pfn)).as("trylock_page on a locked page").isFalse();
        assertThat(f.pages.trylockPage(pfn)).as("the same bit PageApi uses").isFalse();
        lock.unlock(pfn);
        assertThatThrownBy(() -> lock.unlock(pfn)).isInstanceOf(KernelBugException.class)
                .hasMessageContaining("kernel BUG at mm/filemap.c");
        assertThat(String.join("\n", f.m.log().texts())).contains("page dumped because: VM_BUG_ON_FOLIO(!folio_test_locked(folio))",
                "pfn:0x" + Long.toHexString(pfn));
        f.pages.putPage(f.cpu, pfn);
    }
}
