package org.kmemu.core.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The registry of demos, in the order {@code kmemu demo} lists them, and the "did you mean" for a name
 * that is not there. The one place the help text of every demo comes from.
 */
public final class Demos {
    private static final List<Demo> ALL = List.of(new GupDriverDemo(), new GupWriteForceDemo(), new CopyToUserDemo(),
            new ForkCowDemo(), new DeviceDriverDemo());
    /** Names this far apart (edits) or closer count as near misses. */
    private static final int NEAR = 3;

    private Demos() {
    }

    /** @return every demo, in listing order */
    public static List<Demo> all() {
        return ALL;
    }

    /**
     * @param name a demo name
     * @return the demo, or null if there is none of that name
     */
    public static Demo find(String name) {
        for (Demo d : ALL) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * @param name a name that is not a demo's
     * @return the demos whose names are near it (a few edits away, or one contains the other), nearest first
     */
    public static List<String> nearMisses(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        List<String> near = new ArrayList<>();
        for (int dist = 0; dist <= NEAR; dist++) {
            for (Demo d : ALL) {
                if (distance(n, d.name()) == dist && !near.contains(d.name())) {
                    near.add(d.name());
                }
            }
        }
        for (Demo d : ALL) {
            if (!n.isEmpty() && (d.name().contains(n) || n.contains(d.name())) && !near.contains(d.name())) {
                near.add(d.name());
            }
        }
        return near;
    }

    /** @return the list, one demo a line: its name padded to a column, then its summary */
    public static List<String> listing() {
        int width = 0;
        for (Demo d : ALL) {
            width = Math.max(width, d.name().length());
        }
        List<String> lines = new ArrayList<>();
        for (Demo d : ALL) {
            lines.add(String.format("  %-" + width + "s  %s", d.name(), d.summary()));
        }
        return lines;
    }

    /** Levenshtein distance (insertions, deletions, substitutions). */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
