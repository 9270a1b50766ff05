package org.kmemu.core.mm.vma;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MmanTest {
    @Test
    void protBitsBecomeVmBits() {
        assertThat(Mman.calcVmProtBits(Mman.PROT_NONE)).isZero();
        assertThat(Mman.calcVmProtBits(Mman.PROT_READ | Mman.PROT_WRITE | Mman.PROT_EXEC | Mman.PROT_SEM))
                .isEqualTo(VmFlags.VM_READ | VmFlags.VM_WRITE | VmFlags.VM_EXEC);
        assertThat(Mman.calcVmProtBits(Mman.PROT_WRITE)).isEqualTo(VmFlags.VM_WRITE);
    }

    @Test
    void mapBitsBecomeVmBitsWithTheArchsNumbers() {
        assertThat(Mman.calcVmFlagBits(Mman.MAP_GROWSDOWN | 0x2000 | Mman.MAP_SYNC | Mman.MAP_STACK, Mman.Abi.GENERIC))
                .isEqualTo(VmFlags.VM_GROWSDOWN | VmFlags.VM_LOCKED | VmFlags.VM_SYNC | VmFlags.VM_NOHUGEPAGE);
        assertThat(Mman.calcVmFlagBits(0x2000, Mman.Abi.POWERPC)).as("0x2000 is not MAP_LOCKED on powerpc").isZero();
        assertThat(Mman.calcVmFlagBits(0x80, Mman.Abi.POWERPC)).isEqualTo(VmFlags.VM_LOCKED);
        assertThat(Mman.Abi.of("booke")).isEqualTo(Mman.Abi.POWERPC);
        assertThat(Mman.Abi.of("i386")).isEqualTo(Mman.Abi.GENERIC);
        assertThat(Mman.Abi.POWERPC.mapNoreserve()).isEqualTo(0x40);
        assertThat(Mman.Abi.GENERIC.legacyMapMask() & Mman.MAP_32BIT).as("MAP_32BIT is not a legacy flag").isZero();
        assertThat(Mman.Abi.GENERIC.legacyMapMask()).as("LEGACY_MAP_MASK, x86").isEqualTo(0x407f933);
    }
}
