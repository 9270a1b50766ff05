package org.kmemu.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ParseErrorsTest {
    @Test
    void parserMessagesInPlainWordsWithoutTheQuotingAdvice() {
        assertThat(ParseErrors.rephrase("Expecting a value but got wrong token: '}' (if you intended '}' to be part of a key or"
                + " string value, try enclosing the key or value in double quotes)")).isEqualTo("expected a value here, found '}'");
        assertThat(ParseErrors.rephrase("expecting a close parentheses ')' here, not: end of file"))
                .isEqualTo("expected ')' here, found the end of the file");
        assertThat(ParseErrors.rephrase("List should have ended with ] or had a comma, instead had token: 'newline' (JSON does"
                + " not allow unescaped newline in quoted strings, use a backslash escape)"))
                .isEqualTo("expected ',' or ']' here, found the end of the line");
        assertThat(ParseErrors.rephrase("Could not resolve substitution to a value: ${foo}"))
                .isEqualTo("${foo}: no such key is set (expected a key set in this file or a default; ${?foo} is optional)");
    }

    @Test
    void unknownMessagesKeepTheirWordsLowerCased() {
        assertThat(ParseErrors.rephrase("Something new happened")).isEqualTo("something new happened");
        assertThat(ParseErrors.rephrase("JSON is strict")).isEqualTo("JSON is strict");
    }
}
