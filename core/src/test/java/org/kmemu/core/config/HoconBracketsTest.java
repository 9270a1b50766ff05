package org.kmemu.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HoconBracketsTest {
    @Test
    void balancedTextHasNoProblem() {
        assertThat(HoconBrackets.firstProblem("kmemu {\n  map = [ { start = 0 } ]  # a } in a comment\n"
                + "  s = \"a } ] in a string\"\n  t = \"\"\"over\n{ lines\"\"\"\n  u = ${kmemu.s}\n  // ] here too\n}\n")).isNull();
    }

    @Test
    void unclosedBraceIsReportedWhereItOpened() {
        HoconBrackets.Problem p = HoconBrackets.firstProblem("kmemu {\n  memory {\n    size = 1G\n  }\n");
        assertThat(p.line()).isEqualTo(1);
        assertThat(p.detectedAt()).isEqualTo(5);
        assertThat(p.atEnd()).isTrue();
        assertThat(p.message()).isEqualTo("the '{' opened here is not closed (expected '}' before the end of the file at line 5)");
    }

    @Test
    void wrongCloserNamesTheOpenBracket() {
        HoconBrackets.Problem p = HoconBrackets.firstProblem("kmemu {\n  map = [ { start = 0 }\n}\n");
        assertThat(p.line()).isEqualTo(3);
        assertThat(p.message()).isEqualTo("'}' here, but the '[' opened at line 2 is not closed (expected ']' first)");
    }

    @Test
    void strayCloserClosesNothing() {
        HoconBrackets.Problem p = HoconBrackets.firstProblem("a = 1\n]\n");
        assertThat(p.line()).isEqualTo(2);
        assertThat(p.message()).isEqualTo("']' closes nothing: no '[' is open here");
    }

    @Test
    void unclosedStringsAndSubstitutions() {
        assertThat(HoconBrackets.firstProblem("a = \"x\\\"\nb = 1\n").message()).startsWith("the quoted string that starts on this line");
        assertThat(HoconBrackets.firstProblem("a = 1\nb = \"\"\"x\n").line()).isEqualTo(2);
        assertThat(HoconBrackets.firstProblem("a = ${b\n").message()).startsWith("the substitution ${");
    }
}
