package org.kmemu.alloc.buddy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.pf4j.Extension;

class ConfigTest {

    private static PageAllocator create(Object... config) {
        return new BuddyPolicy().create(new TestMachine(TestMachine.configView(config),
                List.of(TestMachine.span(ZoneType.NORMAL, 0, 1024)), TestMachine.FLAT, 12, 1, new TestLog()));
    }

    @Test
    void referenceConfDefaults() {
        BuddyOptions o = BuddyOptions.read(TestMachine.configView());
        assertThat(o.maxOrder()).isEqualTo(10);
        assertThat(o.pageblockOrder()).isEqualTo(9);
        assertThat(o.minFreeKbytes()).isEqualTo(BuddyOptions.AUTO);
        assertThat(o.watermarkScaleFactor()).isEqualTo(10);
        assertThat(o.lowmemReserveRatio()).containsExactly(256, 256, 32, 0, 0);
        assertThat(o.pcpEnabled()).isTrue();
        assertThat(o.pcpBatch()).isEqualTo(BuddyOptions.AUTO);
        assertThat(o.pcpHigh()).isEqualTo(BuddyOptions.AUTO);
        assertThat(o.pcpBatchScaleMax()).isEqualTo(5);
        PageAllocator a = create("max-order", 11, "pageblock-order", 10);
        assertThat(a.maxOrder()).isEqualTo(11);
        assertThat(a.pageblockOrder()).isEqualTo(10);
    }

    @Test
    void badValuesNameKeyValueAndRule() {
        assertThatThrownBy(() -> create("max-order", 16)).isInstanceOf(ConfigException.class)
                .hasMessage("test overrides: kmemu.page-allocator.buddy.max-order: 16 (expected: 1 to 15)");
        assertThatThrownBy(() -> create("pageblock-order", 11)).isInstanceOf(ConfigException.class)
                .hasMessage("test overrides: kmemu.page-allocator.buddy.pageblock-order: 11 (expected: 1 to max-order 10)");
        assertThatThrownBy(() -> create("min-free-kbytes", "lots")).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("min-free-kbytes: lots (expected: auto or a whole number)");
        assertThatThrownBy(() -> create("watermark-scale-factor", 0)).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("watermark-scale-factor: 0 (expected: 1 to 3000)");
        assertThatThrownBy(() -> create("lowmem-reserve-ratio.normal", -1)).isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("lowmem-reserve-ratio.normal: -1 (expected: 0 or more)");
        assertThatThrownBy(() -> create("per-cpu-lists.batch", 0)).isInstanceOf(ConfigException.class)
                .hasMessage("test overrides: kmemu.page-allocator.buddy.per-cpu-lists.batch: 0 (expected: auto or 1 to 16777216)");
        assertThatThrownBy(() -> create("per-cpu-lists.batch-scale-max", 7)).isInstanceOf(ConfigException.class);
    }

    @Test
    void zonesOf2To31PagesAreRefused() {
        assertThatThrownBy(() -> new BuddyPolicy().create(new TestMachine(TestMachine.configView(),
                List.of(new ZoneSpan(ZoneType.NORMAL, 0, 1L << 31, 1L << 31, 1L << 31)), TestMachine.FLAT, 12, 1,
                new TestLog()))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("spannedPages: 2147483648 of zone Normal (expected: 1 to ");
    }

    @Test
    void policyIsAPf4jExtensionWithAnIdleConstructor() {
        assertThat(BuddyPolicy.class.getAnnotation(Extension.class)).isNotNull();
        BuddyPolicy p = new BuddyPolicy();
        assertThat(p.id()).isEqualTo("buddy");
        assertThat(p.description()).contains("buddy");
    }

    @Test
    void pageStateFields() {
        int s = PageState.allocated(7, 2);
        assertThat(PageState.kind(s)).isEqualTo(PageState.ALLOCATED);
        assertThat(PageState.order(s)).isEqualTo(7);
        assertThat(PageState.migratetype(s)).isEqualTo(2);
        assertThat(PageState.isAllocatedHead(s, 7)).isTrue();
        assertThat(PageState.isAllocatedHead(s, 6)).isFalse();
        assertThat(PageState.isFreeHead(PageState.free(15), 15)).isTrue();
        assertThat(PageState.kind(PageState.pcp())).isEqualTo(PageState.PCP);
        assertThat(PageState.kind(PageState.NONE)).isEqualTo(PageState.NONE);
        assertThat(PageState.isFreeHead(PageState.allocated(3, 0), 3)).isFalse();
    }
}
