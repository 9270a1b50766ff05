package org.kmemu.core.testing;

import org.kmemu.api.ConfigView;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.PageAllocatorPolicy;

/**
 * The test {@link PageAllocatorPolicy} behind {@link FirstFitPageAllocator}, id {@value #ID}. Reads
 * {@code max-order} and {@code pageblock-order} from its config subtree
 * ({@link TestMachines#allocatorConfig()} supplies 10 and 9, the x86_64 values).
 */
public final class FirstFitPolicy implements PageAllocatorPolicy {
    /** The policy's id. */
    public static final String ID = "first-fit";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "first-fit bitmap allocator (core test fixture)";
    }

    @Override
    public PageAllocator create(PageAllocatorContext context) {
        ConfigView c = context.config();
        int maxOrder = c.getInt("max-order");
        int pageblockOrder = c.getInt("pageblock-order");
        if (pageblockOrder < 0 || pageblockOrder > maxOrder) {
            throw c.error("pageblock-order", pageblockOrder + " (expected: 0 to max-order " + maxOrder + ")");
        }
        return new FirstFitPageAllocator(context.zones(), context.configuredZones(), maxOrder, pageblockOrder,
                context.log(), context.freePageWords());
    }
}
