package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a Typesafe Config origin into the {@code file:line} prefix every config error starts with.
 */
final class Origins {
    private Origins() {
    }

    /** The first layer of a merged origin's description, and its first line. */
    private static final Pattern MERGE = Pattern.compile("^merge of (.+?): (\\d+)(?:-\\d+)?,");

    /**
     * @param origin where a value was set
     * @return {@code "config/x.conf:7"}, {@code "command line (-D key)"}, {@code "kmemu-core reference.conf:7"}, the
     *         first layer of a merged object's origin, or the origin's own description
     */
    static String describe(ConfigOrigin origin) {
        if (origin == null) {
            return "config";
        }
        String file = origin.filename();
        if (file == null && origin.url() != null) {
            file = origin.url().toString();
        }
        if (file == null) {
            Matcher merge = MERGE.matcher(origin.description());
            if (merge.find()) {
                // An object set in several layers ("merge of user.conf: 3,reference.conf of plugin ...: 26"): the
                // first layer is the one closest to the user, and the place to change it.
                String name = merge.group(1);
                return name.startsWith("command line") ? name : name + ":" + merge.group(2);
            }
            // A -D override is parsed from one line of text: the parser's ": 1" after its name says nothing.
            // A reference.conf read from a jar has a name, not a file: "name: 7" becomes "name:7", as for a file.
            String d = origin.description();
            String line = ": " + origin.lineNumber();
            if (!d.endsWith(line)) {
                return d;
            }
            String name = d.substring(0, d.length() - line.length());
            if (name.startsWith("command line")) {
                return name;
            }
            return name.contains("reference.conf") ? name + ":" + origin.lineNumber() : d;
        }
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    /**
     * @param config the config holding {@code path}
     * @param path   an absolute path
     * @return where the value at {@code path} (or its nearest set parent) came from
     */
    static String of(Config config, String path) {
        String p = path;
        while (true) {
            if (config.hasPathOrNull(p)) {
                return describe(config.getValue(p).origin());
            }
            int dot = p.lastIndexOf('.');
            if (dot < 0) {
                return describe(config.origin());
            }
            p = p.substring(0, dot);
        }
    }
}
