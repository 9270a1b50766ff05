package org.kmemu.api.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The checker on synthetic before/after signature sets: each kind of break is caught, additions pass. */
class ApiCompatibilityCheckerTest {
    private static final String POLICY = "org.kmemu.api.Policy";
    private static final String CONTEXT = "org.kmemu.api.Context";
    private static final String VALUE = "org.kmemu.api.Value";

    /** An extension point plugins implement, a host-provided context, and a final value class. */
    private static Map<String, String> before() {
        Map<String, String> m = new TreeMap<>();
        m.put("type " + POLICY, "interface implements org.kmemu.api.KmemuExtension");
        m.put("method " + POLICY + "#id()", "java.lang.String public abstract");
        m.put("method " + POLICY + "#create(org.kmemu.api.Context)", "java.lang.Object public abstract");
        m.put("method " + POLICY + "#procSlabinfo()", "boolean public default");
        m.put("type " + CONTEXT, "interface host-provided");
        m.put("method " + CONTEXT + "#cpus()", "int public abstract");
        m.put("type " + VALUE, "class final");
        m.put("ctor " + VALUE + "(long)", "public");
        m.put("field " + VALUE + "#MAX", "long public static final");
        m.put("method " + VALUE + "#pfn()", "long public concrete");
        return m;
    }

    private static ApiCompatibility.Result after(java.util.function.Consumer<Map<String, String>> change) {
        Map<String, String> after = before();
        change.accept(after);
        return ApiCompatibility.compare(before(), after);
    }

    @Test
    void theSameApiHasNoChanges() {
        assertThat(ApiCompatibility.compare(before(), before())).isEqualTo(new ApiCompatibility.Result(java.util.List.of(), java.util.List.of()));
    }

    @Test
    void removingAMemberOrATypeBreaks() {
        assertThat(after(m -> m.remove("method " + VALUE + "#pfn()")).breaks()).singleElement().asString()
                .startsWith("removed: method org.kmemu.api.Value#pfn()").contains("bump the api major version");
        assertThat(after(m -> m.remove("field " + VALUE + "#MAX")).breaks()).hasSize(1);
        assertThat(after(m -> m.keySet().removeIf(k -> k.contains(VALUE))).breaks()).hasSize(4);
    }

    @Test
    void changingAMembersSignatureBreaks() {
        assertThat(after(m -> m.put("method " + VALUE + "#pfn()", "int public concrete")).breaks()).singleElement().asString()
                .startsWith("changed: method org.kmemu.api.Value#pfn(): long public concrete -> int public concrete");
        assertThat(after(m -> m.put("method " + VALUE + "#pfn()", "long public static concrete")).breaks()).hasSize(1);
        assertThat(after(m -> m.put("field " + VALUE + "#MAX", "int public static final")).breaks()).hasSize(1);
        // javac copies a constant's value into the plugin.
        assertThat(after(m -> m.put("field " + VALUE + "#MAX", "long public static final = 7")).breaks()).hasSize(1);
        assertThat(after(m -> m.put("method " + POLICY + "#id()", "java.lang.String public abstract throws java.io.IOException")).breaks())
                .hasSize(1);
        // A changed parameter list is a removal (and an addition).
        assertThat(after(m -> {
            m.remove("ctor " + VALUE + "(long)");
            m.put("ctor " + VALUE + "(int)", "public");
        }).breaks()).singleElement().asString().startsWith("removed: ctor org.kmemu.api.Value(long)");
    }

    @Test
    void anAbstractMethodAddedToAnInterfacePluginsImplementBreaksAndSaysToAddADefault() {
        assertThat(after(m -> m.put("method " + POLICY + "#destroy()", "void public abstract")).breaks()).singleElement().asString()
                .isEqualTo("new abstract method in org.kmemu.api.Policy, which plugins implement: method org.kmemu.api.Policy#destroy()"
                        + " (fix: give it a default implementation, @since the next minor version; or bump the api major version"
                        + " and write its snapshot)");
    }

    @Test
    void aDefaultMethodMadeAbstractBreaks() {
        assertThat(after(m -> m.put("method " + POLICY + "#procSlabinfo()", "boolean public abstract")).breaks()).singleElement()
                .asString().startsWith("made abstract: method org.kmemu.api.Policy#procSlabinfo() was default");
    }

    @Test
    void aTypeMadeFinalOrOfAnotherKindOrLosingASuperInterfaceBreaks() {
        assertThat(after(m -> m.put("type " + POLICY, "class final")).breaks()).singleElement().asString()
                .contains("kind interface -> class", "made final", "no longer implements org.kmemu.api.KmemuExtension");
        assertThat(after(m -> m.put("type " + VALUE, "class final sealed")).breaks()).singleElement().asString().contains("made sealed");
    }

    @Test
    void additionsThatPluginsCannotNoticeAreCompatibleAndReported() {
        ApiCompatibility.Result r = after(m -> {
            m.put("method " + POLICY + "#kmallocSizes(org.kmemu.api.Context)", "java.lang.Object public default");
            m.put("method " + CONTEXT + "#nodes()", "int public abstract");
            m.put("type org.kmemu.api.Workload", "interface implements org.kmemu.api.KmemuExtension");
            m.put("method org.kmemu.api.Workload#run()", "void public abstract");
            m.put("method " + VALUE + "#order()", "int public concrete");
            m.put("field " + VALUE + "#MIN", "long public static final");
            m.put("type " + VALUE, "class");
            m.put("method " + POLICY + "#create(org.kmemu.api.Context)", "java.lang.Object public default");
        });
        assertThat(r.breaks()).isEmpty();
        assertThat(r.additions()).contains("added: method org.kmemu.api.Policy#kmallocSizes(org.kmemu.api.Context)",
                "added: method org.kmemu.api.Context#nodes()", "added: type org.kmemu.api.Workload",
                "added: method org.kmemu.api.Workload#run()", "changed compatibly: type org.kmemu.api.Value: class final -> class")
                .hasSize(8);
    }

    @Test
    void theRealApiRoundTripsThroughTheSnapshotFormat() throws Exception {
        Map<String, String> now = ApiSignatures.of(ApiSignatures.apiTypes());
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("api", ".signatures");
        java.nio.file.Files.writeString(tmp, ApiSignatures.format(now, "9.9.9"));
        assertThat(ApiSignatures.read(tmp)).isEqualTo(now);
        java.nio.file.Files.delete(tmp);
        assertThat(now).containsEntry("method org.kmemu.api.ObjectAllocatorPolicy#procSlabinfo()", "boolean public default")
                .containsEntry("method org.kmemu.api.Architecture#configure(org.kmemu.api.ConfigView)", "org.kmemu.api.ArchSpec public abstract")
                .containsEntry("method org.kmemu.api.Architecture#id()", "java.lang.String public abstract")
                .containsKey("type org.kmemu.api.ConfigView");
        assertThat(now.get("type org.kmemu.api.ConfigView")).contains("host-provided");
    }
}
