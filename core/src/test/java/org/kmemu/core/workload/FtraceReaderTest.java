package org.kmemu.core.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;

/** ftrace's text output as 3.x and 6.x kernels print kmem events. */
class FtraceReaderTest {
    private static List<FtraceEvent> read(String text) throws IOException {
        return FtraceReader.read(new BufferedReader(new StringReader(text))).events();
    }

    @Test
    void readsA3xKmallocLineByItsFields() throws IOException {
        // shared/data/traces/kmem-i386-slub.log, its first event.
        FtraceEvent e = read("# tracer: nop\n#\n            init-1     [000] .N..     0.170000: kmalloc: call_site=c104de4f"
                + " ptr=c143de20 bytes_req=29 bytes_alloc=32 gfp_flags=GFP_KERNEL\n").get(0);
        assertThat(e.comm()).isEqualTo("init");
        assertThat(e.pid()).isEqualTo(1);
        assertThat(e.cpu()).isZero();
        assertThat(e.nanos()).isEqualTo(170_000_000L);
        assertThat(e.name()).isEqualTo("kmalloc");
        assertThat(e.hex("ptr")).isEqualTo(0xc143de20L);
        assertThat(e.decimal("bytes_req")).isEqualTo(29);
        assertThat(e.field("call_site")).isEqualTo("c104de4f");
        assertThat(e.line()).isEqualTo(3);
    }

    @Test
    void readsA6xLineWithNewFieldsACommWithDashesAndNanoseconds() throws IOException {
        FtraceEvent e = read(" kworker/u8:2-ev-1234  [003] d..1. 12345.123456789: kmalloc: call_site=kmalloc_trace+0x2a/0x90"
                + " ptr=ffff888003c2e000 bytes_req=96 bytes_alloc=96 gfp_flags=GFP_KERNEL|__GFP_ZERO node=-1 accounted=false\n").get(0);
        assertThat(e.comm()).isEqualTo("kworker/u8:2-ev");
        assertThat(e.pid()).isEqualTo(1234);
        assertThat(e.cpu()).isEqualTo(3);
        assertThat(e.nanos()).isEqualTo(12345_123456789L);
        assertThat(e.field("accounted")).isEqualTo("false");
        assertThat(e.hex("ptr")).isEqualTo(0xffff888003c2e000L);
        assertThat(TraceGfp.parse(e.field("gfp_flags"), e.line())).isEqualTo(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO);
    }

    @Test
    void aNullPointerReadsAsZeroAndPfnIsDecimalOrHex() throws IOException {
        List<FtraceEvent> es = read("""
                      sh-42    [001] ....     1.000000: kfree: call_site=c1001234 ptr=  (null)
                      sh-42    [001] ....     1.000001: mm_page_alloc: page=f5a3c000 pfn=4660 order=1 migratetype=0 gfp_flags=GFP_KERNEL
                      sh-42    [001] ....     1.000002: mm_page_free: page=00000000a1b2c3d4 pfn=0x1234 order=1
                CPU:1 [LOST 12 EVENTS]
                """);
        assertThat(es).hasSize(3);
        assertThat(es.get(0).hex("ptr")).isZero();
        assertThat(es.get(1).pfn()).isEqualTo(4660);
        assertThat(es.get(2).pfn()).isEqualTo(0x1234);
        assertThat(FtraceReader.read(new BufferedReader(new StringReader("CPU:1 [LOST 12 EVENTS]\n"))).otherLines()).isEqualTo(1);
    }

    @Test
    void aMissingOrMalformedFieldNamesItsLine() throws IOException {
        FtraceEvent e = read("\n      sh-42    [001] ....     1.000000: kmalloc: call_site=c1 ptr=zz bytes_req=x\n").get(0);
        assertThatThrownBy(() -> e.hex("ptr")).isInstanceOf(TraceFormatException.class).hasMessage("line 2: ptr=zz (expected: a hexadecimal number)");
        assertThatThrownBy(() -> e.decimal("bytes_req")).hasMessage("line 2: bytes_req=x (expected: a decimal number)");
        assertThatThrownBy(() -> e.field("gfp_flags")).hasMessage("line 2: kmalloc: no gfp_flags= field");
    }

    @Test
    void gfpFlagsOf3xAnd6xKernels() {
        // 3.x printed every bit as GFP_X (include/trace/events/gfpflags.h); __GFP_WAIT became __GFP_RECLAIM's direct part.
        assertThat(TraceGfp.parse("GFP_KERNEL|GFP_ZERO", 1)).isEqualTo(Gfp.GFP_KERNEL | Gfp.__GFP_ZERO);
        assertThat(TraceGfp.parse("GFP_NOWARN|GFP_COMP|GFP_NOTRACK", 1)).isEqualTo(Gfp.__GFP_NOWARN | Gfp.__GFP_COMP);
        assertThat(TraceGfp.parse("GFP_WAIT|GFP_IO|GFP_FS", 1)).isEqualTo(Gfp.GFP_KERNEL);
        assertThat(TraceGfp.parse("GFP_HIGHUSER_MOVABLE", 1)).isEqualTo(Gfp.GFP_HIGHUSER_MOVABLE);
        assertThat(TraceGfp.parse("0xcc0", 1)).isEqualTo(Gfp.GFP_KERNEL);
        assertThatThrownBy(() -> TraceGfp.parse("GFP_KERNEL|GFP_BOGUS", 7)).isInstanceOf(TraceFormatException.class)
                .hasMessage("line 7: gfp_flags: GFP_BOGUS (expected: a GFP flag name such as GFP_KERNEL or __GFP_ZERO)");
    }
}
