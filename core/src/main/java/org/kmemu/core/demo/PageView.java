package org.kmemu.core.demo;

import org.kmemu.core.fs.AddressSpace;
import org.kmemu.core.kernel.PageApi;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.MappingWord;
import org.kmemu.core.mm.PageFlags;
import org.kmemu.core.mm.PageFrames;

/**
 * One line about a {@code struct page} as a kernel person wants it: pfn, zone, refcount, mapcount, pins,
 * flags, and whose page it is (anonymous, a file's page-cache page, the shared zero page), in the spirit
 * of {@code dump_page()}.
 */
final class PageView {
    private PageView() {
    }

    /**
     * @param m   the machine
     * @param pfn a page
     * @return e.g. {@code pfn 0x3fe00 HighMem refcount 1 mapcount 1 anon flags [uptodate|swapbacked]}
     */
    static String of(Machine m, long pfn) {
        PageApi pages = m.kernel().pages();
        if (pfn == m.kernel().memory().zeroPfn()) {
            return String.format("pfn %#x %s the shared zero page (empty_zero_page: no refcount, no mapcount)", pfn,
                    zone(m, pfn));
        }
        int ref = pages.pageRefCount(pfn);
        int pins = ref / PageFrames.GUP_PIN_COUNTING_BIAS;
        String pinned = pins == 0 ? "" : String.format(" (= %d pin%s x GUP_PIN_COUNTING_BIAS %d + %d)", pins,
                pins == 1 ? "" : "s", PageFrames.GUP_PIN_COUNTING_BIAS, ref % PageFrames.GUP_PIN_COUNTING_BIAS);
        String names = PageFlags.names(m.pageFrames().flags(pfn));
        return String.format("pfn %#x %s refcount %d%s mapcount %d %s flags [%s]", pfn, zone(m, pfn), ref, pinned,
                pages.pageMapcount(pfn), owner(m, pfn), names);
    }

    /** @return the zone's kernel name: DMA, DMA32, Normal, HighMem */
    static String zone(Machine m, long pfn) {
        return PageFlags.zone(m.pageFrames().flags(pfn)).kernelName();
    }

    /** @return "anon", or "page cache of PATH index N", or "no mapping" */
    static String owner(Machine m, long pfn) {
        PageApi pages = m.kernel().pages();
        if (pages.pageAnon(pfn)) {
            return "anon";
        }
        long word = pages.pageMappingWord(pfn);
        AddressSpace as = word == 0 ? null : m.kernel().fs().pageMapping(pages, pfn);
        return as == null ? "no mapping" : "page cache of " + as.host().path() + " index " + MappingWord.index(word);
    }

    /** @return whether the page is anonymous (not a file's page-cache page) */
    static boolean anon(Machine m, long pfn) {
        return m.kernel().pages().pageAnon(pfn);
    }
}
