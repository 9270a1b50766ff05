package org.kmemu.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One check per packed field of {@link TraceRecord}, at the edges of its bits. */
class TraceRecordTest {

    @Test
    void theWorkedExampleOfTheLayout() {
        assertThat(TraceRecord.header(TraceRecord.KMALLOC, 0, 1)).isEqualTo(0x0000000100000003L);
        assertThat(TraceRecord.gfpAux(0xcc0, 3)).isEqualTo(0x0000000300000cc0L);
    }

    @Test
    void eventCommAndPidDoNotSpillIntoEachOther() {
        long h = TraceRecord.header(TraceRecord.KMEM_CACHE_FREE, TraceRecord.MAX_STRING_IDS - 1, -1);
        assertThat(TraceRecord.event(h)).isEqualTo(TraceRecord.KMEM_CACHE_FREE);
        assertThat(TraceRecord.comm(h)).isEqualTo(0xff_ffff);
        assertThat(TraceRecord.pid(h)).isEqualTo(-1);
        long low = TraceRecord.header(TraceRecord.MM_PAGE_ALLOC, 0, Integer.MAX_VALUE);
        assertThat(TraceRecord.event(low)).isEqualTo(TraceRecord.MM_PAGE_ALLOC);
        assertThat(TraceRecord.comm(low)).isZero();
        assertThat(TraceRecord.pid(low)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void gfpKeepsAll32BitsAndAuxItsOwn() {
        long w = TraceRecord.gfpAux(0x8000_0001, 0x7fff_ffff);
        assertThat(TraceRecord.gfp(w)).isEqualTo(0x8000_0001);
        assertThat(TraceRecord.aux(w)).isEqualTo(0x7fff_ffff);
        assertThat(TraceRecord.aux(TraceRecord.gfpAux(-1, 0))).isZero();
    }

    @Test
    void everyEventHasItsTracepointName() {
        assertThat(TraceRecord.name(TraceRecord.MM_PAGE_ALLOC)).isEqualTo("mm_page_alloc");
        assertThat(TraceRecord.name(TraceRecord.MM_PAGE_FREE)).isEqualTo("mm_page_free");
        assertThat(TraceRecord.name(TraceRecord.KMALLOC)).isEqualTo("kmalloc");
        assertThat(TraceRecord.name(TraceRecord.KMEM_CACHE_ALLOC)).isEqualTo("kmem_cache_alloc");
        assertThat(TraceRecord.name(TraceRecord.KFREE)).isEqualTo("kfree");
        assertThat(TraceRecord.name(TraceRecord.KMEM_CACHE_FREE)).isEqualTo("kmem_cache_free");
    }
}
