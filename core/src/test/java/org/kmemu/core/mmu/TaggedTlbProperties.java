package org.kmemu.core.mmu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.kmemu.api.Gfp;
import org.kmemu.api.PteFlags;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.mm.memory.UserPageTables;
import org.kmemu.core.mm.vma.Mm;
import org.kmemu.core.mm.vma.MmapLayout;
import org.kmemu.core.sched.Task;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

/**
 * Against a reference model (each mm's page at one user address holds the value last stored in the
 * model): random switches of two CPUs among five mms sharing three context ids (so ids are stolen, on
 * SMP, and go stale), loads, remaps followed by flush_tlb_mm, on tagged TLBs with and without tlbilx and
 * on an x86-like untagged one. A load always sees its own mm's current page: no entry leaks across
 * contexts, and no flushed entry survives.
 */
class TaggedTlbProperties {
    private static final long UADDR = 0x400000L;
    private static final int MMS = 5;

    /** One machine per flavour, its mms, one task per (CPU, mm), and the model. */
    private static final class World {
        final Machine m;
        final UserPageTables upt;
        final Mm[] mms = new Mm[MMS];
        final Task[][] tasks = new Task[2][MMS];
        final int[] value = new int[MMS];
        final int[] running = {-1, -1};
        int next = 1;

        World(Machine m) {
            this.m = m;
            this.upt = new UserPageTables(m.memory(), m.mmu().format(), m.kernel().pages(), m.pageShift());
            for (int i = 0; i < MMS; i++) {
                mms[i] = Mm.alloc(cpu(0), m.kernel().pages(), m.mmu(), MmapLayout.of(m.arch().id(), m.layout(), m.pageShift()),
                        m.log());
                remap(i);
                for (int c = 0; c < 2; c++) {
                    tasks[c][i] = m.scheduler().createUserTask("t" + c + i, mms[i]);
                }
            }
        }

        Cpu cpu(int c) {
            return m.mmu().cpu(c);
        }

        /** Points mm i's PTE at a fresh page with a fresh value (the old page is leaked on purpose: no reuse). */
        void remap(int i) {
            long pfn = m.kernel().pages().allocPages(cpu(0), Gfp.GFP_KERNEL | Gfp.__GFP_ZERO, 0);
            value[i] = next++;
            m.memory().writeInt(pfn << m.pageShift(), value[i]);
            upt.writePte(upt.ptep(cpu(0), mms[i], UADDR, true),
                    upt.mkPte(pfn, PteFlags.PRESENT | PteFlags.USER | PteFlags.WRITE | PteFlags.ACCESSED));
        }

        void apply(int op) {
            int kind = op % 3;
            int c = (op / 3) % 2;
            int i = (op / 6) % MMS;
            if (kind == 0) {
                if (running[1 - c] == i) {
                    i = (i + 1) % MMS; // one task per (CPU, mm): both CPUs may run an mm, through different tasks
                }
                m.scheduler().contextSwitch(cpu(c), tasks[c][i]);
                running[c] = i;
            } else if (kind == 1 && running[c] >= 0) {
                cpu(c).setUserMode(true);
                int got = cpu(c).load32(UADDR);
                cpu(c).setUserMode(false);
                assertThat(got).as("CPU %d on mm %d (pid %d)", c, running[c], cpu(c).pid()).isEqualTo(value[running[c]]);
            } else if (kind == 2) {
                remap(i);
                m.mmu().flushTlbMm(cpu(c), mms[i].context());
            }
        }
    }

    private static final World TLBILX = new World(TestMachines.boot(I386TestArch.e500(3, true), 128L << 20, 2));
    private static final World FLASH = new World(TestMachines.boot(I386TestArch.e500(3, false), 128L << 20, 2));
    private static final World X86 = new World(TestMachines.boot(new I386TestArch(), 128L << 20, 2));

    @Provide
    Arbitrary<List<Integer>> ops() {
        return Arbitraries.integers().between(0, 3 * 2 * MMS - 1).list().ofMinSize(1).ofMaxSize(60);
    }

    @Property(tries = 150)
    void everyLoadSeesItsOwnMmsCurrentPage(@ForAll("ops") List<Integer> ops) {
        for (World w : new World[] {TLBILX, FLASH, X86}) {
            for (int op : ops) {
                w.apply(op);
            }
        }
    }
}
