package org.kmemu.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;

/**
 * Turns a Typesafe Config origin into the {@code file:line} prefix every config error starts with.
 */
final class Origins {
    private Origins() {
    }

    /**
     * @param origin where a value was set
     * @return {@code "config/x.conf:7"}, {@code "command line (-D key)"}, {@code "kmemu-core reference.conf:7"}, or the
     *         origin's own description
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
