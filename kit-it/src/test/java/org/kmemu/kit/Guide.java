package org.kmemu.kit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** docs/plugins.md, read as a plugin author would follow it: its shell commands and its config blocks. */
final class Guide {
    static final Path FILE = Launcher.ROOT.resolve("docs/plugins.md");
    /** The plugin directory the guide's commands use. */
    static final String PLUGIN_DIR = "~/kmemu-plugins";

    private final List<String> lines;

    Guide() {
        try {
            lines = Files.readAllLines(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the lines of every fenced block whose info string is {@code info} ("" for plain blocks), trimmed */
    List<String> blockLines(String info) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        boolean wanted = false;
        for (String line : lines) {
            String t = line.trim();
            if (t.startsWith("```")) {
                if (!in) {
                    wanted = t.substring(3).trim().equals(info);
                }
                in = !in;
                continue;
            }
            if (in && wanted) {
                out.add(t);
            }
        }
        return out;
    }

    /** @return the shell commands: the lines of the plain fenced blocks */
    List<String> commands() {
        return blockLines("").stream().filter(l -> !l.isEmpty()).toList();
    }

    /** @return the lines the guide quotes as kmemu's one-line plugin errors */
    List<String> pluginErrors() {
        return commands().stream().filter(l -> l.startsWith("kmemu: plugin error: ")).toList();
    }
}
