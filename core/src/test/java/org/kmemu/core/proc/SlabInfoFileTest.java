package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Gfp;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestMachines;

class SlabInfoFileTest {

    @Test
    void versionTwoPointOneWithOneLinePerCache() {
        Machine m = TestMachines.x86_64(1L << 30);
        long p = m.kernel().slab().kmalloc(m.mmu().cpu(0), 100, Gfp.GFP_KERNEL, "t");
        List<String> lines = SlabInfoFile.render(m).lines().toList();
        assertThat(lines.get(0)).isEqualTo("slabinfo - version: 2.1");
        assertThat(lines.get(1)).isEqualTo("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
                + " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>");
        // "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu" (mm/slab_common.c)
        assertThat(lines.subList(2, lines.size())).allMatch(l -> l.matches(
                "\\S.{16} +\\d+ +\\d+ +\\d+ +\\d+ +\\d+ : tunables +\\d+ +\\d+ +\\d+ : slabdata +\\d+ +\\d+ +\\d+"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches(
                "kmalloc-128 +1 +32 +128 +32 +1 : tunables +0 +0 +0 : slabdata +1 +1 +0"));
        m.kernel().slab().kfree(m.mmu().cpu(0), p, "t");
    }
}
