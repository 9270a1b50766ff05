package org.kmemu.core.workload;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.kmemu.api.Gfp;

/**
 * Reads the {@code gfp_flags=} field of kmem trace events, as kernels from 3.x to 6.x print it
 * ({@code show_gfp_flags}, include/trace/events/gfpflags.h then mmflags.h): names joined by
 * {@code |}, composites ({@code GFP_KERNEL}) and single bits ({@code __GFP_ZERO} in 4.x and later,
 * {@code GFP_ZERO} in 3.x, which printed every bit without the underscores), or a hex number.
 */
final class TraceGfp {
    private static final Map<String, Integer> NAMES = names();

    /**
     * 3.x bits with no bit of their own today, which a replay drops: cache-cold pages
     * (__GFP_COLD, removed in 4.15), kmemcheck's __GFP_NOTRACK (4.15), __GFP_NO_KSWAPD and
     * __GFP_OTHER_NODE (4.4 and 4.17). None changes where kmemu's allocators place an object.
     */
    static final Set<String> DROPPED = Set.of("GFP_COLD", "GFP_NOTRACK", "GFP_NO_KSWAPD", "GFP_OTHER_NODE", "GFP_NOTRACK_FALSE_POSITIVE");

    private TraceGfp() {
    }

    private static Map<String, Integer> names() {
        Map<String, Integer> m = new HashMap<>();
        for (Field f : Gfp.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers())
                    && (f.getName().startsWith("GFP_") || f.getName().startsWith("__GFP_"))) {
                try {
                    m.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        // 3.x names of bits that were renamed: __GFP_WAIT became __GFP_DIRECT_RECLAIM in 4.4 (with
        // kswapd woken unless __GFP_NO_KSWAPD, hence __GFP_RECLAIM: 3.x GFP_KERNEL = WAIT|IO|FS is
        // 4.4's RECLAIM|IO|FS); __GFP_REPEAT became __GFP_RETRY_MAYFAIL in 4.13.
        m.put("GFP_WAIT", Gfp.__GFP_RECLAIM);
        m.put("GFP_REPEAT", Gfp.__GFP_RETRY_MAYFAIL);
        return m;
    }

    /**
     * @param text the field's value
     * @param line the trace line, for the error
     * @return the flags; a name in {@link #DROPPED} adds nothing
     * @throws TraceFormatException for a name kmemu does not know
     */
    static int parse(String text, int line) {
        if (text.startsWith("0x")) {
            try {
                return (int) Long.parseLong(text.substring(2), 16);
            } catch (NumberFormatException e) {
                throw new TraceFormatException(line, "gfp_flags=" + text + " (expected: flag names or a hex number)");
            }
        }
        int gfp = 0;
        for (String name : text.split("\\|")) {
            if (name.isEmpty() || DROPPED.contains(name) || DROPPED.contains(name.replace("__GFP_", "GFP_"))) {
                continue;
            }
            Integer bits = NAMES.get(name);
            if (bits == null && name.startsWith("GFP_")) {
                bits = NAMES.get("__" + name); // 3.x printed every bit as GFP_X
            }
            if (bits == null) {
                throw new TraceFormatException(line, "gfp_flags: " + name + " (expected: a GFP flag name such as GFP_KERNEL or __GFP_ZERO)");
            }
            gfp |= bits;
        }
        return gfp;
    }
}
