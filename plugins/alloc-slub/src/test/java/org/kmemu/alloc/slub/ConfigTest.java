package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;

class ConfigTest {
    private static TestMachine machine(String... overrides) {
        return new TestMachine(4, 1 << 20, ByteOrder.LITTLE_ENDIAN, overrides);
    }

    @Test
    void defaultsMatchTheKernel() {
        assertThat(machine().slub().options()).isEqualTo(new SlubOptions(0, 3, 0));
        SlubPolicy policy = new SlubPolicy();
        assertThat(policy.id()).isEqualTo("slub");
        assertThat(policy.description()).contains("mm/slub.c");
    }

    @Test
    void badValuesNameKeyAndRule() {
        assertThatThrownBy(() -> machine("max-order = 11").slub()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("max-order").hasMessageContaining("11 (expected: 0 to 10)");
        assertThatThrownBy(() -> machine("min-order = 4").slub()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("min-order").hasMessageContaining("expected: 0 to max-order 3");
        assertThatThrownBy(() -> machine("min-objects = -1").slub()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("min-objects");
        assertThatThrownBy(() -> machine("min-objects = 40000").slub()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("min-objects");
    }

    @Test
    void settingsChangeTheGeometry() {
        SlubAllocator slub = machine("min-objects = 4", "max-order = 1").slub();
        SlubCache c = (SlubCache) slub.createCache("kmalloc-1k", 1024, 0, 0, null);
        assertThat(c.order()).isEqualTo(0);
        assertThat(c.objectsPerSlab()).isEqualTo(4);
    }
}
