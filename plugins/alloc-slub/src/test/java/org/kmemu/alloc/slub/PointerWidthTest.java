package org.kmemu.alloc.slub;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.api.SlabAllocator;
import org.kmemu.api.SlabCache;
import org.kmemu.tck.PluginConfigs;
import org.kmemu.tck.SlabFixtures;

/** On a 32-bit machine the free pointer is a 4-byte word in the machine's byte order (set_freepointer). */
class PointerWidthTest {

    @Test
    void aFreedObjectHoldsAFourBytePointerToTheNextFreeObject() {
        SlabFixtures m = new SlabFixtures(PluginConfigs.of(SlubPolicy.class, "kmemu.object-allocator.slub"), 1, 16L << 20,
                ByteOrder.BIG_ENDIAN, 32, 4);
        SlabAllocator a = new SlubPolicy().create(m);
        SlabCache c = a.createCache("ptr-width", 20, 0, 0, null);
        // ARCH_SLAB_MINALIGN is __alignof__(unsigned long long) = 8 on i386 and ppc32 too (include/linux/slab.h).
        assertThat(c.slotSize()).isEqualTo(24);
        long first = a.alloc(0, c, Gfp.GFP_KERNEL);
        long second = a.alloc(0, c, Gfp.GFP_KERNEL);
        // s->offset = ALIGN_DOWN(20 / 2, 4) = 8: mark the words around it.
        m.writeInt(second + 4, 0x11111111);
        m.writeInt(second + 12, 0x22222222);
        a.free(0, c, first);
        a.free(0, c, second);
        assertThat(m.readInt(second + 8) & 0xffffffffL).as("big-endian word at offset 8 points at the next free object")
                .isEqualTo(first & 0xffffffffL);
        assertThat(m.ram().readByte(second - SlabFixtures.PAGE_OFFSET + 8)).as("most significant byte first")
                .isEqualTo((byte) (first >>> 24));
        assertThat(m.readInt(second + 4)).as("the word before is the object's").isEqualTo(0x11111111);
        assertThat(m.readInt(second + 12)).as("the word after too: only 4 bytes were written").isEqualTo(0x22222222);
        assertThat(a.alloc(0, c, Gfp.GFP_KERNEL)).isEqualTo(second);
        assertThat(a.alloc(0, c, Gfp.GFP_KERNEL)).isEqualTo(first);
    }
}
