package org.kmemu.arch.x86_64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** enum fixed_addresses of arch/x86/include/asm/fixmap.h, counted for different configs. */
class FixmapTest {

    @Test
    void top() {
        // round_up(0xffffffffff600000 + 0x1000, 2 MiB) - 0x1000
        assertThat(Fixmap.FIXADDR_TOP).isEqualTo(0xffffffffff7ff000L);
        // fix_to_virt(VSYSCALL_PAGE) == VSYSCALL_ADDR
        assertThat(Fixmap.FIXADDR_TOP - (511L << 12)).isEqualTo(Fixmap.VSYSCALL_ADDR);
    }

    @Test
    void typicalConfig() {
        Fixmap f = new Fixmap(FixmapOptions.typical());
        assertThat(f.endOfPermanentFixedAddresses()).isEqualTo(648);
        assertThat(f.fixaddrStart()).isEqualTo(0xffffffffff577000L);
        // 648..1159 straddles a 512 boundary: FIX_BTMAP_END moves up to 1024, BEGIN = 1535
        assertThat(f.endOfFixedAddresses()).isEqualTo(1536);
        assertThat(f.fixaddrTotStart()).isEqualTo(0xffffffffff1ff000L);
    }

    @Test
    void minimalConfig() {
        Fixmap f = new Fixmap(new FixmapOptions(false, false, false, 128, false, false, false, false, false));
        // FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE, FIX_TEXT_POKE1, FIX_TEXT_POKE0
        assertThat(f.endOfPermanentFixedAddresses()).isEqualTo(4);
        // 4..515 crosses 512: BTMAP_END = 4 + 512 - 4 = 512
        assertThat(f.endOfFixedAddresses()).isEqualTo(1024);
        assertThat(f.hasVsyscallPage()).isFalse();
    }

    @Test
    void btmapsStayPutWhenTheyFit() {
        // vsyscall only: permanent end 512 + 4 = 516; 516 ^ 1027 crosses: END = 516 + 512 - 4 = 1024
        Fixmap f = new Fixmap(new FixmapOptions(true, false, false, 1, false, false, false, false, true));
        assertThat(f.endOfPermanentFixedAddresses()).isEqualTo(516);
        assertThat(f.endOfFixedAddresses()).isEqualTo(1024 + 512 + 1); // + FIX_TBOOT_BASE
        // DBGP + EARLYCON + 508 IO-APICs + 2 TEXT_POKE = 512 permanent slots, a 512 boundary
        Fixmap g = new Fixmap(new FixmapOptions(false, false, true, 508, false, false, false, false, false));
        assertThat(g.endOfPermanentFixedAddresses()).isEqualTo(512);
        assertThat(g.endOfFixedAddresses()).isEqualTo(1024); // no move: 512..1023 is one table
    }

    @Test
    void tooManySlotsReachModules() {
        FixmapOptions o = new FixmapOptions(true, true, true, 1024, true, true, true, true, true);
        assertThatThrownBy(() -> new X86_64Spec(new X86_64Options(PagingMode.FOUR_LEVEL, 64, 0x1000000, o, true,
                X86_64Options.defaults(4).mmu())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MODULES_END");
    }
}
