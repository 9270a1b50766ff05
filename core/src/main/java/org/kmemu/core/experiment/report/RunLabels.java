package org.kmemu.core.experiment.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.kmemu.core.experiment.RunStats;

/**
 * A run's name in the charts: its varied values, each after its key's last segment
 * ({@code "policy=slub, cpus=4"} for keys {@code machine.slab.policy} and {@code machine.cpus}), the whole
 * key where two keys end alike; {@code " #r"} when the experiment repeats points; the run's folder name
 * when nothing is varied, or after a label two runs would share.
 */
final class RunLabels {
    private RunLabels() {
    }

    static List<String> of(List<String> variedKeys, List<RunStats> runs) {
        List<String> shortKeys = shortKeys(variedKeys);
        boolean repeats = runs.stream().anyMatch(r -> r.repeat() > 0);
        List<String> labels = new ArrayList<>(runs.size());
        for (RunStats run : runs) {
            StringBuilder label = new StringBuilder();
            for (int k = 0; k < variedKeys.size(); k++) {
                if (k > 0) {
                    label.append(", ");
                }
                String value = run.point() == null ? null : run.point().get(variedKeys.get(k));
                label.append(shortKeys.get(k)).append('=').append(value);
            }
            if (variedKeys.isEmpty()) {
                label.append(run.name());
            }
            if (repeats) {
                label.append(" #").append(run.repeat());
            }
            labels.add(label.toString());
        }
        // A legend toggles series by name: two runs with one label (a point listed twice) would toggle
        // together, so each of them is told apart by its folder.
        Set<String> seen = new HashSet<>();
        Set<String> twice = new HashSet<>();
        for (String label : labels) {
            if (!seen.add(label)) {
                twice.add(label);
            }
        }
        for (int i = 0; i < labels.size(); i++) {
            if (twice.contains(labels.get(i))) {
                labels.set(i, labels.get(i) + " (" + runs.get(i).name() + ")");
            }
        }
        return labels;
    }

    private static List<String> shortKeys(List<String> keys) {
        List<String> last = keys.stream().map(k -> k.substring(k.lastIndexOf('.') + 1)).toList();
        Set<String> seen = new HashSet<>();
        Set<String> clash = new HashSet<>();
        for (String s : last) {
            if (!seen.add(s)) {
                clash.add(s);
            }
        }
        List<String> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.add(clash.contains(last.get(i)) ? keys.get(i) : last.get(i));
        }
        return out;
    }
}
