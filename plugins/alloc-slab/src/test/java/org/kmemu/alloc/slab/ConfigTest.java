package org.kmemu.alloc.slab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ConfigException;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.SlabFixtures;

/** reference.conf defaults and validation. */
class ConfigTest {

    private static SlabFixtures machine(String... overrides) {
        return new SlabFixtures(PluginConfigs.of(SlabPolicy.class, "kmemu.object-allocator.slab", overrides), 2,
                16L << 20, ByteOrder.LITTLE_ENDIAN, 64);
    }

    @Test
    void defaultsAreSlabMaxOrderHiAndSharedEight() {
        SlabAllocatorImpl a = (SlabAllocatorImpl) new SlabPolicy().create(machine());
        assertThat(a.options()).isEqualTo(new SlabOptions(1, 8, 16));
    }

    @Test
    void outOfRangeValuesAreRejected() {
        assertThatThrownBy(() -> new SlabPolicy().create(machine("max-order = 11")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max-order");
        assertThatThrownBy(() -> new SlabPolicy().create(machine("batchrefill-limit = 0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("batchrefill-limit");
    }
}
