package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, defect 10 through the real {@code ./kmemu}: a config error is one line in plain words that
 * names {@code file:line}; not the parser's token talk ("expecting a close parentheses ')'" for a
 * missing brace), not a Java name ({@code ramBytes}), not "1 bytes".
 */
class ErrorWordingTest {
    @TempDir
    Path dir;

    /** Boots a machine file with {@code text}, expecting a config error; returns the error line. */
    private String refused(String text, String... more) throws IOException {
        Path f = dir.resolve("user.conf");
        Files.writeString(f, text);
        String[] args = new String[more.length + 3];
        args[0] = "boot";
        args[1] = "-c";
        args[2] = f.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return refusedLine(Launcher.run(args));
    }

    private static String refusedLine(Launcher.Result r) {
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).as(r.toString()).isEmpty();
        assertThat(r.stderr().strip().lines()).as(r.toString()).hasSize(1);
        assertThat(r.stderr()).as(r.toString()).startsWith("kmemu: ").doesNotContain("Exception", "\tat ");
        return r.stderr().strip();
    }

    private String file() {
        return dir.resolve("user.conf").toString();
    }

    @Test
    void aMissingCloseBraceNamesTheBraceThatIsNotClosed() throws IOException {
        String err = refused("# my machine\nkmemu {\n  cpus = 4\n  memory {\n    size = 2G\n  }\n");
        assertThat(err).isEqualTo("kmemu: " + file() + ":2: the '{' opened here is not closed (expected '}' before the end of"
                + " the file at line 7)");
        assertThat(err).doesNotContain("parentheses", "')'");
    }

    @Test
    void aMissingCloseBracketInAMemoryMapNamesWhereTheListOpened() throws IOException {
        String err = refused("kmemu {\n  memory.map = [\n    { start = 0x100000, size = 1G, type = usable }\n}\n");
        assertThat(err).isEqualTo("kmemu: " + file() + ":4: '}' here, but the '[' opened at line 2 is not closed (expected ']' first)");
        assertThat(err).doesNotContain("List should have", "double-quote");
    }

    @Test
    void aStrayCloseBraceClosesNothing() throws IOException {
        assertThat(refused("kmemu {\n  cpus = 2\n}\n}\n"))
                .isEqualTo("kmemu: " + file() + ":4: '}' closes nothing: no '{' is open here");
    }

    @Test
    void aMissingValueAndAnUnclosedStringInPlainWords() throws IOException {
        String missing = refused("kmemu {\n  cpus =\n}\n");
        assertThat(missing).isEqualTo("kmemu: " + file() + ":3: expected a value here, found '}'");
        assertThat(missing).doesNotContain("Expecting", "if you intended", "rename the file");
        String string = refused("kmemu {\n  machine.arch = \"x86_64\n}\n");
        assertThat(string).startsWith("kmemu: " + file() + ":2: the quoted string that starts on this line is not closed")
                .doesNotContain("JSON", "newline");
    }

    @Test
    void aParseErrorInAnIncludedFileNamesThatFile() throws IOException {
        Path base = dir.resolve("base.conf");
        // The '}' on line 3 closes machine's '{': kmemu's, on line 1, is the one left open.
        Files.writeString(base, "kmemu {\n  machine { arch = x86_64\n}\n");
        assertThat(refused("include \"base.conf\"\nkmemu.cpus = 2\n"))
                .isEqualTo("kmemu: " + base + ":1: the '{' opened here is not closed (expected '}' before the end of the file at line 4)");
    }

    @Test
    void tooMuchRamIsReportedInConfigTermsNotJavaNames() {
        String pc = refusedLine(Launcher.run("boot", "-D", "kmemu.memory.map=[]", "-D", "kmemu.memory.size=8G"));
        assertThat(pc).startsWith("kmemu: command line (-D kmemu.memory.size): kmemu.memory.size: 0x200000000 (expected: at most"
                + " 0xc0000000, since RAM past 3 GiB continues above the PCI hole").doesNotContain("ramBytes");
        String e500 = refusedLine(Launcher.run("boot", "-c", "config/machines/booke-e500.conf", "-D", "kmemu.memory.size=8G"));
        assertThat(e500).isEqualTo("kmemu: command line (-D kmemu.memory.size): kmemu.memory.size: 0x200000000 (expected: at most"
                + " 0x100000000: RAM from 0x0 must end within 32 physical bits; set phys-64bit for 36 bits)");
    }

    /** A bad value in an object that several layers set names the user's layer, not the parser's "merge of ...". */
    @Test
    void aBadObjectNamesTheUsersLayerNotAMerge() throws IOException {
        String cmd = refusedLine(Launcher.run("boot", "-c", "config/machines/booke-e500.conf", "-D", "kmemu.arch.booke.tlb0.entries=3"));
        assertThat(cmd).startsWith("kmemu: command line (-D kmemu.arch.booke.tlb0.entries): kmemu.arch.booke.tlb0: entries = 3,"
                + " ways = 4 (expected: ").doesNotContain("merge of", ".jar");
        String file = refused("kmemu {\n  machine.arch = booke\n  memory.size = 1G\n  arch.booke.tlb0.ways = 3\n}\n");
        assertThat(file).startsWith("kmemu: " + file() + ":4: kmemu.arch.booke.tlb0: entries = 512, ways = 3 (expected: ")
                .doesNotContain("merge of");
    }

    @Test
    void oneByteIsSingular() {
        String err = refusedLine(Launcher.run("boot", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=1"));
        assertThat(err).contains("kmemu.memory.size: 1 byte is not a whole number of 4096-byte pages").doesNotContain("1 bytes");
    }
}
