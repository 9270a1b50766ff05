package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class ProcFsTest {
    private static ProcFs proc;

    @BeforeAll
    static void boot() {
        Machine m = TestMachines.x86_64(1L << 30);
        proc = new ProcFs(m);
    }

    @Test
    void namesAreTheFilesInOrder() {
        assertThat(ProcFs.names()).containsExactly("buddyinfo", "pagetypeinfo", "zoneinfo", "iomem", "ioports", "meminfo", "slabinfo",
                "vmallocinfo", "vmstat");
    }

    @Test
    void everyFileIsNonEmptyAndEndsInANewline() {
        for (String name : ProcFs.names()) {
            if (name.equals("vmallocinfo")) {
                assertThat(proc.read(name)).as("nothing is vmalloc'ed at boot in kmemu").isEmpty();
                continue;
            }
            assertThat(proc.read(name)).as(name).isNotEmpty().endsWith("\n").doesNotContain("\r");
        }
    }

    @Test
    void unknownNameIsRejectedWithTheChoices() {
        assertThatThrownBy(() -> proc.read("swaps"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no such /proc file: swaps (expected one of: buddyinfo, pagetypeinfo, zoneinfo, iomem, ioports, meminfo,"
                        + " slabinfo, vmallocinfo, vmstat)");
    }
}
