package org.kmemu.core.trace;

/**
 * One CPU's string table: the task names and call sites its records refer to by id, so that a record
 * holds primitives only. Ids are given in order of first use and never reused (ftrace's
 * {@code saved_cmdlines} keeps comms apart from the ring for the same reason).
 *
 * <p>Single writer: only the CPU's thread calls {@link #id}; the lookup is an open-addressing probe
 * that compares references first (call sites are usually the same String object every time), so a
 * known string costs a hash read and one or two array loads, with no allocation. Readers on other
 * threads call {@link #string} for ids they found in records published after the string: the table of
 * ids is republished through a volatile field on every insert.
 */
final class TraceStrings {
    private String[] keys = new String[64];
    private int[] ids = new int[64];
    private int size;
    private String[] byId = new String[32];
    private volatile String[] published = byId;

    /**
     * @param s a string, not null
     * @return its id in this table, adding it on first use
     * @throws IllegalStateException if the table already holds {@link TraceRecord#MAX_STRING_IDS} strings
     */
    int id(String s) {
        int mask = keys.length - 1;
        int i = s.hashCode() & mask;
        for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (k == s || k.equals(s)) {
                return ids[i];
            }
        }
        return insert(s, i);
    }

    private int insert(String s, int slot) {
        if (size == TraceRecord.MAX_STRING_IDS) {
            throw new IllegalStateException("trace strings: " + size + " distinct comms and call sites (expected: fewer than "
                    + TraceRecord.MAX_STRING_IDS + ")");
        }
        int id = size++;
        if (id == byId.length) {
            byId = java.util.Arrays.copyOf(byId, id * 2);
        }
        byId[id] = s;
        published = byId;
        keys[slot] = s;
        ids[slot] = id;
        if (size * 2 > keys.length) {
            rehash();
        }
        return id;
    }

    private void rehash() {
        String[] oldKeys = keys;
        int[] oldIds = ids;
        keys = new String[oldKeys.length * 2];
        ids = new int[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != null) {
                int i = oldKeys[j].hashCode() & mask;
                while (keys[i] != null) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                ids[i] = oldIds[j];
            }
        }
    }

    /** @param id an id from a published record @return its string */
    String string(int id) {
        return published[id];
    }
}
