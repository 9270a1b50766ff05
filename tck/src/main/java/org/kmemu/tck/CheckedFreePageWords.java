package org.kmemu.tck;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.kmemu.api.FreePageWords;

/**
 * The struct page words a test machine lends a page allocator ({@link FreePageWords}), with the
 * contract checked: the test says which frames it holds ({@link #handedOut}, {@link #returned}) and
 * this object records every read or write of a held frame's word, and every block handed out with a
 * word that is not 0 ({@link #checkCleared}). Single-threaded, as the contract tests are.
 */
public final class CheckedFreePageWords implements FreePageWords {
    private final long[] words;
    private final BitSet held = new BitSet();
    private final List<String> violations = new ArrayList<>();

    /** @param maxPfn one past the highest frame of the machine */
    public CheckedFreePageWords(long maxPfn) {
        this.words = new long[Math.toIntExact(maxPfn)];
    }

    @Override
    public long get(long pfn) {
        if (held.get(Math.toIntExact(pfn))) {
            violations.add("read the word of pfn " + pfn + ", which is allocated");
        }
        return words[(int) pfn];
    }

    @Override
    public void set(long pfn, long word) {
        if (held.get(Math.toIntExact(pfn))) {
            violations.add("wrote " + Long.toHexString(word) + " into the word of pfn " + pfn + ", which is allocated");
        }
        words[(int) pfn] = word;
    }

    /**
     * The allocator handed a block out: its words must be 0, and are the caller's from now on.
     *
     * @param pfn   the block's first frame
     * @param order its order
     */
    public void handedOut(long pfn, int order) {
        checkCleared(pfn, order);
        held.set(Math.toIntExact(pfn), Math.toIntExact(pfn + (1L << order)));
    }

    /**
     * The caller is about to free a block: its words are the allocator's again.
     *
     * @param pfn   the block's first frame
     * @param order its order
     */
    public void returned(long pfn, int order) {
        held.clear(Math.toIntExact(pfn), Math.toIntExact(pfn + (1L << order)));
    }

    /**
     * Records a violation for every page of the block whose word is not 0.
     *
     * @param pfn   the block's first frame
     * @param order its order
     */
    public void checkCleared(long pfn, int order) {
        for (long p = pfn; p < pfn + (1L << order); p++) {
            if (words[(int) p] != 0) {
                violations.add("pfn " + p + " handed out with word " + Long.toHexString(words[(int) p]) + " (expected: 0)");
            }
        }
    }

    /** @return what broke the contract so far, in order */
    public List<String> violations() {
        return List.copyOf(violations);
    }
}
