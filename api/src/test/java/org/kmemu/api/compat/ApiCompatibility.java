package org.kmemu.api.compat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares two signature sets of the api ({@link ApiSignatures}) as a plugin built against the first
 * would meet the second: what breaks it, and what is merely added.
 *
 * <p>Breaking: a type or member removed; a member's type, parameters, static-ness or exceptions
 * changed; a type's kind, superclass or type parameters changed, or a type made final, abstract or
 * sealed, or losing a super-interface; a method that was default or concrete made abstract; an
 * abstract method added to an existing interface or abstract class that plugins implement (one not
 * {@link org.kmemu.api.HostProvided}). Compatible: everything added otherwise (new types, default
 * methods, constants), and an abstract method given a default.
 */
public final class ApiCompatibility {
    private static final String FIX = "(fix: restore it, or for an intended break bump the api major version and write its snapshot)";

    private ApiCompatibility() {
    }

    /**
     * The comparison's outcome.
     *
     * @param breaks    one line per incompatible change, each saying how to fix it
     * @param additions one line per compatible change
     */
    public record Result(List<String> breaks, List<String> additions) {
    }

    /**
     * @param before the released api's signatures
     * @param after  the current api's signatures
     * @return what changed
     */
    public static Result compare(Map<String, String> before, Map<String, String> after) {
        List<String> breaks = new ArrayList<>();
        List<String> additions = new ArrayList<>();
        for (Map.Entry<String, String> e : before.entrySet()) {
            String key = e.getKey();
            String now = after.get(key);
            if (now == null) {
                breaks.add("removed: " + key + " " + FIX);
            } else if (!now.equals(e.getValue())) {
                String change = changed(key, e.getValue(), now, after);
                if (change == null) {
                    additions.add("changed compatibly: " + key + ": " + e.getValue() + " -> " + now);
                } else {
                    breaks.add(change);
                }
            }
        }
        for (Map.Entry<String, String> e : after.entrySet()) {
            String key = e.getKey();
            if (before.containsKey(key)) {
                continue;
            }
            String owner = owner(key);
            if (key.startsWith("method ") && e.getValue().endsWith(" abstract") && before.containsKey("type " + owner)
                    && implementedByPlugins(after.get("type " + owner))) {
                breaks.add("new abstract method in " + owner + ", which plugins implement: " + key
                        + " (fix: give it a default implementation, @since the next minor version; or bump the api major version"
                        + " and write its snapshot)");
            } else {
                additions.add("added: " + key);
            }
        }
        return new Result(breaks, additions);
    }

    /** @return whether plugins implement or extend the type whose description is {@code typeDescription} */
    private static boolean implementedByPlugins(String typeDescription) {
        Set<String> t = tokens(typeDescription);
        boolean interfaceOrAbstract = t.contains("interface") || t.contains("abstract");
        return interfaceOrAbstract && !t.contains("host-provided") && !t.contains("annotation");
    }

    /** @return why changing {@code key} from {@code was} to {@code now} breaks plugins, or null if it does not */
    private static String changed(String key, String was, String now, Map<String, String> after) {
        if (key.startsWith("type ")) {
            return typeChange(key, was, now);
        }
        if (key.startsWith("method ")) {
            String wasImpl = was.substring(was.lastIndexOf(' ') + 1);
            String nowImpl = now.substring(now.lastIndexOf(' ') + 1);
            String wasSig = was.substring(0, was.lastIndexOf(' ')).replace(" final", "");
            String nowSig = now.substring(0, now.lastIndexOf(' '));
            if (!wasSig.equals(nowSig.replace(" final", "")) || (!was.contains(" final") && now.contains(" final"))) {
                return "changed: " + key + ": " + was + " -> " + now + " " + FIX;
            }
            if (nowImpl.equals("abstract") && !wasImpl.equals("abstract") && implementedByPlugins(after.get("type " + owner(key)))) {
                return "made abstract: " + key + " was " + wasImpl + " (fix: keep a default implementation, or bump the api major"
                        + " version and write its snapshot)";
            }
            return null;
        }
        return "changed: " + key + ": " + was + " -> " + now + " " + FIX;
    }

    private static String typeChange(String key, String was, String now) {
        Set<String> before = tokens(was);
        Set<String> after = tokens(now);
        List<String> why = new ArrayList<>();
        if (!first(was).equals(first(now))) {
            why.add("kind " + first(was) + " -> " + first(now));
        }
        for (String modifier : List.of("final", "abstract", "sealed")) {
            if (!before.contains(modifier) && after.contains(modifier)) {
                why.add("made " + modifier);
            }
        }
        if (!attribute(was, "extends").equals(attribute(now, "extends"))) {
            why.add("superclass " + attribute(was, "extends") + " -> " + attribute(now, "extends"));
        }
        if (!attribute(was, "params").equals(attribute(now, "params"))) {
            why.add("type parameters " + attribute(was, "params") + " -> " + attribute(now, "params"));
        }
        Set<String> lost = new HashSet<>(List.of(attribute(was, "implements").split(",")));
        lost.removeAll(List.of(attribute(now, "implements").split(",")));
        lost.remove("");
        if (!lost.isEmpty()) {
            why.add("no longer implements " + String.join(",", lost));
        }
        return why.isEmpty() ? null : "changed: " + key + ": " + String.join("; ", why) + " " + FIX;
    }

    private static String first(String description) {
        int sp = description.indexOf(' ');
        return sp < 0 ? description : description.substring(0, sp);
    }

    /** @return the value after {@code name} in a type description ("extends X", "implements A,B", "params <T>"), or "" */
    private static String attribute(String description, String name) {
        List<String> words = Arrays.asList(description.split(" "));
        int i = words.indexOf(name);
        if (i < 0 || i + 1 >= words.size()) {
            return "";
        }
        // Generic type names contain no spaces except in "params <T extends B>", which runs to the closing '>'.
        if (name.equals("params")) {
            return description.substring(description.indexOf("params ") + "params ".length());
        }
        return words.get(i + 1);
    }

    private static Set<String> tokens(String description) {
        return description == null ? Set.of() : new HashSet<>(Arrays.asList(description.split(" ")));
    }

    /** @return the type a key is about: "method org.x.T#m()" gives "org.x.T" */
    static String owner(String key) {
        String rest = key.substring(key.indexOf(' ') + 1);
        int hash = rest.indexOf('#');
        int paren = rest.indexOf('(');
        int end = hash >= 0 ? hash : paren >= 0 ? paren : rest.length();
        return rest.substring(0, end);
    }
}
