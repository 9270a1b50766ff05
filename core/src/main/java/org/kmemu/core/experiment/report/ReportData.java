package org.kmemu.core.experiment.report;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmemu.core.experiment.RunStats;

/**
 * What report.html carries as one JSON object and its script draws: the runs as {@code stats.json} holds
 * them, cut to what the page shows so that a sweep of many runs stays a page a browser opens at once.
 *
 * <p>What is cut, and why it changes no chart:
 * <ul>
 *   <li>samples: at most {@link #MAX_SAMPLES} per run, evenly spaced over the run, the first and the last
 *       always kept (the footprint line keeps its shape and its end);</li>
 *   <li>zones: kept on each run's first and last sample only (the buddyinfo map and the fragmentation
 *       indexes are drawn at the end; the first sample tells which zone is the largest);</li>
 *   <li>call sites: each run's first {@link #MAX_CALL_SITES_PER_RUN} (stats.json lists them most waste
 *       first) plus every call site of the experiment's top {@link #TOP_CALL_SITES}, so the waste chart's
 *       bars are exact for every run.</li>
 * </ul>
 * Everything else of a run (point, seed, status, error, machine, workload, totals) is kept as is.
 *
 * @param title      the experiment's name
 * @param variedKeys the keys the experiment varies, in its order
 * @param labels     each run's name in the charts' legends, from its varied values
 * @param topCallSites the experiment's call sites with the most waste (summed over its runs), most first
 * @param runs       the runs, cut as above, in run order
 */
record ReportData(String title, List<String> variedKeys, List<String> labels, List<String> topCallSites,
                  List<RunStats> runs) {

    /** Samples kept per run: a line of 300 points is as smooth as the chart is wide. */
    static final int MAX_SAMPLES = 300;
    /** Call sites kept per run beside the experiment's top ones. */
    static final int MAX_CALL_SITES_PER_RUN = 40;
    /** Call sites in the waste chart. */
    static final int TOP_CALL_SITES = 15;

    /**
     * @param title      the experiment's name
     * @param variedKeys the varied keys
     * @param runs       every run's statistics
     * @return what the page carries
     */
    static ReportData of(String title, List<String> variedKeys, List<RunStats> runs) {
        List<String> top = topCallSites(runs);
        Set<String> topSet = new HashSet<>(top);
        List<RunStats> cut = new ArrayList<>(runs.size());
        for (RunStats run : runs) {
            cut.add(new RunStats(run.run(), run.name(), run.point(), run.repeat(), run.seed(), run.status(),
                    run.error(), run.machine(), run.workload(), run.totals(), callSites(run, topSet),
                    samples(run.samples()), run.kernelEvents()));
        }
        return new ReportData(title, List.copyOf(variedKeys), RunLabels.of(variedKeys, runs), top, cut);
    }

    /** @return the call sites with the most waste summed over every run, most first, ties by name */
    static List<String> topCallSites(List<RunStats> runs) {
        Map<String, Long> waste = new HashMap<>();
        for (RunStats run : runs) {
            if (run.callSites() != null) {
                for (RunStats.CallSite site : run.callSites()) {
                    waste.merge(String.valueOf(site.callSite()), site.waste(), Long::sum);
                }
            }
        }
        return waste.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP_CALL_SITES).map(Map.Entry::getKey).toList();
    }

    private static List<RunStats.CallSite> callSites(RunStats run, Set<String> top) {
        if (run.callSites() == null) {
            return null;
        }
        List<RunStats.CallSite> kept = new ArrayList<>();
        List<RunStats.CallSite> sites = run.callSites();
        for (int i = 0; i < sites.size(); i++) {
            RunStats.CallSite site = sites.get(i);
            if (i < MAX_CALL_SITES_PER_RUN || top.contains(String.valueOf(site.callSite()))) {
                kept.add(site);
            }
        }
        return kept;
    }

    /** Evenly spaced indexes 0 .. n-1, the first and the last included, at most MAX_SAMPLES of them. */
    static List<RunStats.Sample> samples(List<RunStats.Sample> samples) {
        if (samples == null) {
            return null;
        }
        int n = samples.size();
        Set<Integer> keep = new LinkedHashSet<>();
        if (n <= MAX_SAMPLES) {
            for (int i = 0; i < n; i++) {
                keep.add(i);
            }
        } else {
            for (int k = 0; k < MAX_SAMPLES; k++) {
                keep.add((int) ((long) k * (n - 1) / (MAX_SAMPLES - 1)));
            }
        }
        List<RunStats.Sample> kept = new ArrayList<>(keep.size());
        for (int i : keep) {
            RunStats.Sample s = samples.get(i);
            boolean zones = i == 0 || i == n - 1;
            kept.add(zones ? s : new RunStats.Sample(s.events(), s.footprintPages(), s.slabPages(),
                    s.bytesRequested(), s.bytesAllocated(), s.failures(), List.of()));
        }
        return kept;
    }

    /**
     * @return this object as JSON that can sit inside a {@code <script>} element: '<', '>' and '&' are
     *         written as \\u escapes (so no "</script" or "<!--" can appear), as are U+2028 and U+2029
     */
    String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param json what {@link #toJson} wrote
     * @return the data
     * @throws IOException when the text is not report data
     */
    static ReportData fromJson(String json) throws IOException {
        return MAPPER.readValue(json, ReportData.class);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        MAPPER.getFactory().setCharacterEscapes(new ScriptSafeEscapes());
    }

    /** Jackson's standard JSON escapes plus those that keep the text inert inside an HTML script element. */
    private static final class ScriptSafeEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii;

        ScriptSafeEscapes() {
            ascii = standardAsciiEscapesForJSON();
            ascii['<'] = ESCAPE_STANDARD;
            ascii['>'] = ESCAPE_STANDARD;
            ascii['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // JavaScript before ES2019 ended a string literal at these line separators.
            if (ch == 0x2028) {
                return new SerializedString("\\u2028");
            }
            if (ch == 0x2029) {
                return new SerializedString("\\u2029");
            }
            return null;
        }
    }
}
