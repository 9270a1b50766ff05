package org.kmemu.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kmemu.api.ConfigException;

/**
 * Turns Typesafe Config's parse and resolve errors into kmemu's one line: {@code file:line: what is wrong},
 * in plain words.
 *
 * <p>The parser's texts are written for its own tokens ("expecting a close parentheses ')' here, not: end
 * of file" for a missing {@code }}, "List should have had new element after a comma, instead had token:
 * '}'" for a missing {@code ]}) and end in advice about quoting that rarely applies. A bracket or quote
 * that does not balance is found again by {@link HoconBrackets}, which names the bracket and the line
 * where it was opened; any other message is rephrased by the table below, and one kmemu does not know
 * is passed on with the parser's advice cut off.
 */
final class ParseErrors {
    private ParseErrors() {
    }

    /** The parser's messages kmemu rephrases: pattern, and the rephrasing from its groups. */
    private record Rule(Pattern pattern, Function<Matcher, String> text) {
        static Rule of(String regex, Function<Matcher, String> text) {
            return new Rule(Pattern.compile(regex), text);
        }
    }

    private static final List<Rule> RULES = List.of(
            Rule.of("expecting a close parentheses '\\)' here, not: (.+)", m -> "expected ')' here, found " + token(m.group(1))),
            Rule.of("Expecting a value but got wrong token: (.+)", m -> "expected a value here, found " + token(m.group(1))),
            Rule.of("Expecting close brace \\} or a comma, got (.+)", m -> "expected ',' or '}' here, found " + token(m.group(1))),
            Rule.of("Expecting close brace \\} or a field name here, got (.+)", m -> "expected a key or '}' here, found "
                    + token(m.group(1))),
            Rule.of("Expecting end of input or a comma, got (.+)", m -> "expected the end of the file here, found " + token(m.group(1))),
            Rule.of("List should have ended with \\] or had a comma, instead had token: (.+)", m -> "expected ',' or ']' here, found "
                    + token(m.group(1))),
            Rule.of("List should have had new element after a comma, instead had token: (.+)", m -> "expected another list"
                    + " element after ',', found " + token(m.group(1))),
            Rule.of("List should have \\] or a first element after the open \\[, instead had token: (.+)", m -> "expected a list"
                    + " element or ']' after '[', found " + token(m.group(1))),
            Rule.of("expecting a field name after a comma, got a close brace \\} instead", m -> "expected a key after ',', found '}'"),
            Rule.of("Key '(.+)' may not be followed by token: (.+)", m -> "expected '=', ':' or '{' after the key " + m.group(1)
                    + ", found " + token(m.group(2))),
            Rule.of("unbalanced close brace '\\}' with no open brace", m -> "'}' closes nothing: no '{' is open here"),
            Rule.of("Document must have an object or array at root, unexpected token: (.+)", m -> "expected a key or '{' here, found "
                    + token(m.group(1))),
            Rule.of("Reserved character '(.)' is not allowed outside quotes", m -> "'" + m.group(1) + "' may only stand inside"
                    + " quotes (expected: \"...\" around a value that contains it)"),
            Rule.of("Could not resolve substitution to a value: \\$\\{(.+)\\}", m -> "${" + m.group(1) + "}: no such key is set"
                    + " (expected a key set in this file or a default; ${?" + m.group(1) + "} is optional)"));

    /** The parser's closing advice: "(if you intended ... double quotes ...)" and the like. */
    private static final Pattern ADVICE = Pattern.compile(" \\(if you (intended|want) .*\\)$");

    /**
     * @param e a parse or resolve error from Typesafe Config
     * @return kmemu's error, starting with {@code file:line}
     */
    static ConfigException translate(com.typesafe.config.ConfigException e) {
        String msg = e.getMessage();
        String where = null;
        if (e.origin() != null && msg.startsWith(e.origin().description() + ": ")) {
            where = Origins.describe(e.origin());
            msg = msg.substring(e.origin().description().length() + 2);
        }
        if (e instanceof com.typesafe.config.ConfigException.Parse && e.origin() != null && e.origin().filename() != null) {
            HoconBrackets.Problem p = bracketProblem(Path.of(e.origin().filename()));
            if (p != null && (p.detectedAt() == e.origin().lineNumber() || p.atEnd() && msg.contains("end of file"))) {
                return new ConfigException(e.origin().filename() + ":" + p.line() + ": " + p.message(), e);
            }
        }
        String text = rephrase(msg);
        return new ConfigException(where == null ? text : where + ": " + text, e);
    }

    /** The parser's own text in plain words (without its "file: line: " prefix). */
    static String rephrase(String msg) {
        String m = ADVICE.matcher(msg).replaceFirst("");
        for (Rule r : RULES) {
            Matcher matcher = r.pattern().matcher(m);
            if (matcher.matches()) {
                return r.text().apply(matcher);
            }
        }
        // Not one kmemu knows: the parser's own words, starting lower-case like kmemu's.
        return m.length() > 1 && Character.isUpperCase(m.charAt(0)) && Character.isLowerCase(m.charAt(1))
                ? m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1) : m;
    }

    /** A token as the parser prints it ("end of file", "'newline' (JSON ...)", "'}'"), in plain words. */
    private static String token(String t) {
        if (t.equals("end of file")) {
            return "the end of the file";
        }
        if (t.startsWith("'newline'")) {
            return "the end of the line";
        }
        return t;
    }

    private static HoconBrackets.Problem bracketProblem(Path file) {
        try {
            return HoconBrackets.firstProblem(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return null; // the parser's message stands
        }
    }
}
