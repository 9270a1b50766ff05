package org.kmemu.core.config;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Finds the first bracket or quote that does not balance in HOCON text: a {@code {} or {@code [} never
 * closed, a {@code }} or {@code ]} that closes nothing or the wrong bracket, a quoted string not closed
 * on its line. The parser reports these at the token where it gave up ("expecting a close parentheses
 * ')' here, not: end of file" for a missing brace); this names the bracket the user has to fix and
 * the line where it was opened.
 *
 * <p>Only the lexical rules that matter for brackets are followed: {@code #} and {@code //} comments,
 * {@code "..."} strings with backslash escapes, {@code """...""" } strings over several lines, and
 * {@code ${...}} substitutions (whose brace is not an object's). Used after the parser has refused a
 * file, never to accept one.
 */
final class HoconBrackets {
    private HoconBrackets() {
    }

    /**
     * An imbalance.
     *
     * @param line       the line the message is about (where the unclosed bracket or string opened, or the
     *                   stray closing bracket)
     * @param detectedAt the line where the scan found it (the end of the file for an unclosed bracket)
     * @param atEnd      whether it was found at the end of the text
     * @param message    what is wrong, in plain words
     */
    record Problem(int line, int detectedAt, boolean atEnd, String message) {
    }

    private record Open(char bracket, int line) {
    }

    /**
     * @param text HOCON text
     * @return the first imbalance, or null if brackets and quotes balance
     */
    static Problem firstProblem(String text) {
        Deque<Open> open = new ArrayDeque<>();
        int line = 1;
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
                while (i < n && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (text.startsWith("\"\"\"", i)) {
                int end = text.indexOf("\"\"\"", i + 3);
                if (end < 0) {
                    return new Problem(line, lineAt(text, n), true, "the \"\"\" string that starts here is not closed"
                            + " (expected a closing \"\"\" before the end of the file)");
                }
                line += count(text, i, end, '\n');
                i = end + 3;
                while (i < n && text.charAt(i) == '"') {
                    i++; // """a"""" is a" followed by the closing quotes: extra quotes belong to the string
                }
            } else if (c == '"') {
                i++;
                while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
                if (i >= n || text.charAt(i) != '"') {
                    return new Problem(line, line, i >= n, "the quoted string that starts on this line is not closed"
                            + " (expected a closing \" on the same line; use \"\"\" for text over several lines)");
                }
                i++;
            } else if (c == '$' && i + 1 < n && text.charAt(i + 1) == '{') {
                int end = i + 2;
                while (end < n && text.charAt(end) != '}' && text.charAt(end) != '\n') {
                    end++;
                }
                if (end >= n || text.charAt(end) != '}') {
                    return new Problem(line, line, end >= n, "the substitution ${ that starts here is not closed"
                            + " (expected a '}' on the same line)");
                }
                i = end + 1;
            } else if (c == '{' || c == '[') {
                open.push(new Open(c, line));
                i++;
            } else if (c == '}' || c == ']') {
                char opener = c == '}' ? '{' : '[';
                if (open.isEmpty()) {
                    return new Problem(line, line, false, "'" + c + "' closes nothing: no '" + opener + "' is open here");
                }
                Open top = open.peek();
                if (top.bracket() != opener) {
                    return new Problem(line, line, false, "'" + c + "' here, but the '" + top.bracket() + "' opened at line "
                            + top.line() + " is not closed (expected '" + closer(top.bracket()) + "' first)");
                }
                open.pop();
                i++;
            } else {
                i++;
            }
        }
        if (!open.isEmpty()) {
            Open top = open.peek();
            return new Problem(top.line(), line, true, "the '" + top.bracket() + "' opened here is not closed (expected '"
                    + closer(top.bracket()) + "' before the end of the file at line " + line + ")");
        }
        return null;
    }

    private static char closer(char opener) {
        return opener == '{' ? '}' : ']';
    }

    private static int count(String text, int from, int to, char c) {
        int k = 0;
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }

    private static int lineAt(String text, int index) {
        return 1 + count(text, 0, index, '\n');
    }
}
