package org.kmemu.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kmemu.api.Access;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Architecture;
import org.kmemu.api.ConfigView;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.KernelMapping;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.PageFault;
import org.kmemu.api.PageTableFormat;
import org.kmemu.api.PteFlags;
import org.kmemu.api.RegionType;
import org.kmemu.api.VirtualArea;
import org.kmemu.api.ZoneType;
import org.kmemu.core.machine.KernelLogBuffer;
import org.kmemu.core.mm.PhysicalMemory;
import org.kmemu.core.mmu.CpuOwners;
import org.kmemu.core.mmu.KernelPageTables;
import org.kmemu.core.mmu.Mmu;
import org.kmemu.core.mmu.WalkReport;

/**
 * The contract every {@link Architecture} plugin keeps, as JUnit 5 tests. Extend it in your plugin's
 * tests and implement {@link #architecture()}; override {@link #config()} or {@link #ramSizes()} to
 * test other configurations. kmemu's own architectures extend it too.
 *
 * <p>What it checks, for each RAM size: the default map has RAM and its regions lie inside the
 * physical address width; the layout's pfns and addresses are ordered as every kernel orders them
 * (lowmem below high_memory, high_memory at or below VMALLOC_START, the vmalloc window non-empty);
 * {@code __pa} and {@code __va} are inverse on lowmem and refuse anything else; zone limits rise with
 * the zone types and end within RAM; the named areas do not overlap; a fault has a report in the
 * kernel's words and an error code for every access, mode and kind of fault.
 */
public abstract class ArchitectureContractTest {

    /** @return a new instance of the architecture under test, as PF4J would create it */
    protected abstract Architecture architecture();

    /** @return the configuration to test: the plugin's reference.conf defaults */
    protected ConfigView config() {
        return PluginConfigs.of(architecture().getClass(), "kmemu.arch." + architecture().id());
    }

    /** @return RAM sizes to lay out with {@link ArchSpec#defaultMemoryMap} */
    protected List<Long> ramSizes() {
        return List.of(64L << 20, 512L << 20, 2L << 30);
    }

    private ArchSpec spec() {
        return architecture().configure(config());
    }

    @Test
    void identifiesItself() {
        Architecture a = architecture();
        assertThat(a.id()).matches("[a-z0-9_-]+");
        assertThat(a.description()).isNotBlank();
        ArchSpec spec = spec();
        assertThat(spec.id()).isEqualTo(a.id());
        assertThat(spec.description()).isNotBlank();
        assertThat(spec.byteOrder()).isNotNull();
        assertThat(spec.pageShift()).isBetween(12, 16);
        assertThat(spec.structPageBytes()).isPositive();
        assertThat(spec.zoneTypes()).contains(ZoneType.NORMAL);
        assertThat(spec.virtAddressBits()).isBetween(32, 64);
        assertThat(spec.physAddressBits()).isBetween(32, 64);
    }

    @Test
    void defaultMapsHoldTheRamInsideThePhysicalAddressWidth() {
        ArchSpec spec = spec();
        for (long ram : ramSizes()) {
            MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram));
            assertThat(map.usableBytes()).as("usable RAM of a %d-byte machine", ram).isPositive().isLessThanOrEqualTo(ram);
            for (MemoryRegion r : map.regions()) {
                assertThat(Long.compareUnsigned(r.end(), 1L << spec.physAddressBits()))
                        .as("%s within %d physical bits", r, spec.physAddressBits()).isLessThanOrEqualTo(0);
            }
        }
    }

    @Test
    void layoutIsOrderedAsTheKernelOrdersIt() {
        ArchSpec spec = spec();
        for (long ram : ramSizes()) {
            MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram));
            KernelLayout l = spec.layout(map);
            String what = ram + "-byte machine";
            assertThat(l.maxPfn()).as(what).isPositive().isLessThanOrEqualTo(map.maxPfn(spec.pageShift()));
            assertThat(l.maxLowPfn()).as(what).isPositive().isLessThanOrEqualTo(l.maxPfn());
            assertThat(Long.compareUnsigned(l.pageOffset(), l.highMemory())).as(what).isNegative();
            // vmalloc lies above the direct map on x86 and ppc32, below PAGE_OFFSET on riscv64 (vm-layout.rst): never inside it
            assertThat(Long.compareUnsigned(l.highMemory(), l.vmallocStart()) <= 0
                    || Long.compareUnsigned(l.vmallocEnd(), l.pageOffset()) <= 0)
                    .as("%s: vmalloc [%#x, %#x) outside the direct map [%#x, %#x)", what, l.vmallocStart(), l.vmallocEnd(),
                            l.pageOffset(), l.highMemory()).isTrue();
            assertThat(Long.compareUnsigned(l.vmallocStart(), l.vmallocEnd())).as(what).isNegative();
            assertThat(Long.compareUnsigned(l.taskSize(), l.pageOffset())).as(what).isLessThanOrEqualTo(0);
            if (l.lastPkmap() > 0) {
                assertThat(Long.compareUnsigned(l.vmallocEnd(), l.pkmapBase())).as(what).isLessThanOrEqualTo(0);
                long pkmapEnd = l.pkmapBase() + ((long) l.lastPkmap() << spec.pageShift());
                assertThat(Long.compareUnsigned(pkmapEnd, l.fixaddrStart())).as(what).isLessThanOrEqualTo(0);
            }
            assertThat(Long.compareUnsigned(l.fixaddrStart(), l.fixaddrTop())).as(what).isNegative();
            assertThat(l.highMemory()).as(what).isEqualTo(l.va((l.maxLowPfn() << spec.pageShift()) - 1) + 1);
        }
    }

    @Test
    void paAndVaAreInverseOnLowmemAndRefuseTheRest() {
        ArchSpec spec = spec();
        int shift = spec.pageShift();
        for (long ram : ramSizes()) {
            MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram));
            KernelLayout l = spec.layout(map);
            long lowEnd = l.maxLowPfn() << shift;
            long lowStart = ramStart(map, shift);
            long[] samples = {lowStart, lowStart + (1L << shift), lowStart + (lowEnd - lowStart) / 2, lowEnd - 1};
            for (long p : samples) {
                long v = l.va(p);
                assertThat(l.pa(v)).as("__pa(__va(%#x))", p).isEqualTo(p);
                assertThat(l.virtAddrValid(v) || !isRam(spec, ram, p)).as("virt_addr_valid(__va(%#x))", p).isTrue();
            }
            assertThatThrownBy(() -> l.va(lowEnd)).as("__va past lowmem").isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> l.pa(l.vmallocStart())).as("__pa of a vmalloc address")
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(l.virtAddrValid(l.vmallocStart())).isFalse();
        }
    }

    /**
     * Where the direct map begins: the first usable RAM page rounded down to a section of 2 MiB. RAM starts at
     * physical 0 on x86 and ppc32 but not everywhere (riscv64's QEMU virt board has DRAM at 0x80000000, and
     * __va counts from there: phys_ram_base in arch/riscv/mm/init.c).
     */
    private static long ramStart(MemoryMap map, int shift) {
        return map.usable().get(0).start() & -(2L << 20);
    }

    private static boolean isRam(ArchSpec spec, long ram, long paddr) {
        for (MemoryRegion r : spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram)).regions()) {
            if (r.type() == RegionType.USABLE && paddr >= r.start() && paddr < r.end()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void zoneLimitsRiseAndEndWithinRam() {
        ArchSpec spec = spec();
        for (long ram : ramSizes()) {
            KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram)));
            long previous = 0;
            for (ZoneType z : ZoneType.values()) {
                if (z == ZoneType.MOVABLE || !spec.zoneTypes().contains(z)) {
                    continue;
                }
                long end = spec.maxZonePfn(z, l);
                assertThat(end).as("max_zone_pfn[%s]", z).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(l.maxPfn());
                if (!z.isHighmem()) {
                    assertThat(end).as("max_zone_pfn[%s] within lowmem", z).isLessThanOrEqualTo(l.maxLowPfn());
                }
                previous = end;
            }
            assertThat(previous).as("the top zone reaches the lowmem limit").isGreaterThanOrEqualTo(l.maxLowPfn());
        }
    }

    @Test
    void namedAreasDoNotOverlap() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        List<VirtualArea> areas = new ArrayList<>(l.areas());
        assertThat(areas).isNotEmpty();
        areas.sort(Comparator.comparing(VirtualArea::start, Long::compareUnsigned));
        for (int i = 0; i < areas.size(); i++) {
            VirtualArea a = areas.get(i);
            assertThat(a.end() == 0 || Long.compareUnsigned(a.start(), a.end()) < 0).as("%s is not empty", a).isTrue();
            if (i > 0) {
                VirtualArea prev = areas.get(i - 1);
                assertThat(prev.end() != 0 && Long.compareUnsigned(prev.end(), a.start()) <= 0)
                        .as("%s and %s do not overlap", prev, a).isTrue();
            }
        }
    }

    @Test
    void earlyReservationsLieInTheMap() {
        ArchSpec spec = spec();
        MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0)));
        for (MemoryRegion r : spec.earlyReservations(map)) {
            assertThat(r.end()).isLessThanOrEqualTo(map.end());
        }
        assertThat(spec.kernelLoadAddress()).isNotNegative();
    }

    @Test
    void pageTableFormatSplitsTheAddressDownToThePage() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        PageTableFormat f = spec.pageTableFormat(l);
        assertThat(f.levels()).isBetween(2, 5);
        assertThat(f.entryBytes()).isIn(4, 8);
        assertThat(f.indexShift(f.levels() - 1)).isEqualTo(spec.pageShift());
        assertThat(f.leafAllowed(f.levels() - 1)).as("the last level holds PTEs").isTrue();
        for (int level = 0; level < f.levels(); level++) {
            assertThat(f.levelName(level)).isIn("PGD", "P4D", "PUD", "PMD", "PTE");
            assertThat(f.indexBits(level)).isBetween(1, 11);
            if (level > 0) {
                assertThat(f.indexShift(level - 1)).as("level %d sits above level %d", level - 1, level)
                        .isEqualTo(f.indexShift(level) + f.indexBits(level));
            }
        }
        assertThat(f.decode(0, f.levels() - 1)).as("an empty entry is not present").isZero();
    }

    @Test
    void ioremapCacheModesAreCacheBitsTheFormatKeeps() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        PageTableFormat f = spec.pageTableFormat(l);
        int cacheBits = PteFlags.NO_CACHE | PteFlags.WRITE_THROUGH | PteFlags.GUARDED;
        assertThat(spec.ioremapPteFlags(org.kmemu.api.PageCacheMode.WB)).as("write-back is the cached default").isZero();
        // A format either keeps every mode's cache bits or has no cache attributes at all (RISC-V without
        // Svpbmt: the platform's PMAs decide, and a plugin built against api 1.1 gets the default NO_CACHE,
        // which its format drops); keeping some and dropping others would map a device cached by mistake.
        java.util.Map<org.kmemu.api.PageCacheMode, Integer> kept = new java.util.EnumMap<>(org.kmemu.api.PageCacheMode.class);
        for (org.kmemu.api.PageCacheMode mode : org.kmemu.api.PageCacheMode.values()) {
            int bits = spec.ioremapPteFlags(mode);
            assertThat(bits & ~cacheBits).as("%s asks only for cache bits", mode).isZero();
            // an ioremap PTE (device page above RAM)
            long pte = f.encodeLeaf(0xfe000000L, f.levels() - 1, PteFlags.PRESENT | PteFlags.WRITE | PteFlags.ACCESSED
                    | PteFlags.DIRTY | bits);
            kept.put(mode, f.decode(pte, f.levels() - 1) & cacheBits);
        }
        if (kept.values().stream().anyMatch(k -> k != 0)) {
            for (org.kmemu.api.PageCacheMode mode : org.kmemu.api.PageCacheMode.values()) {
                assertThat(kept.get(mode)).as("%s survives the format", mode).isEqualTo(spec.ioremapPteFlags(mode));
            }
        }
        assertThat(spec.ioremapRamCheck()).isNotNull();
    }

    @Test
    void entriesDecodeToWhatWasEncoded() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        PageTableFormat f = spec.pageTableFormat(l);
        // A lowmem page: on e500 upper levels hold the table's virtual address, which must be in the direct map.
        long phys = (l.maxLowPfn() / 2) << spec.pageShift();
        for (int level = 0; level < f.levels(); level++) {
            if (level < f.levels() - 1) {
                long table = f.encodeTable(phys, level, PteFlags.PRESENT | PteFlags.WRITE);
                assertThat(f.decode(table, level) & PteFlags.PRESENT).as("%s table entry present", f.levelName(level)).isNotZero();
                assertThat(f.decode(table, level) & PteFlags.HUGE).as("%s table entry is no leaf", f.levelName(level)).isZero();
                assertThat(f.address(table, level)).as("%s table address", f.levelName(level)).isEqualTo(phys);
            }
            if (!f.leafAllowed(level)) {
                continue;
            }
            long size = 1L << f.indexShift(level);
            long page = phys & -size;
            int flags = PteFlags.PRESENT | PteFlags.WRITE | PteFlags.GLOBAL;
            long leaf = f.encodeLeaf(page, level, flags);
            int decoded = f.decode(leaf, level);
            assertThat(decoded & flags).as("%s leaf flags", f.levelName(level)).isEqualTo(flags);
            assertThat(f.address(leaf, level)).as("%s leaf address", f.levelName(level)).isEqualTo(page);
            if (level < f.levels() - 1) {
                assertThat(decoded & PteFlags.HUGE).as("%s leaf above the PTE level is huge", f.levelName(level)).isNotZero();
            }
            long touched = f.withFlags(leaf, level, PteFlags.ACCESSED | PteFlags.DIRTY);
            assertThat(f.decode(touched, level)).as("%s leaf after withFlags(A|D): only A and D added", f.levelName(level))
                    .isEqualTo(decoded | PteFlags.ACCESSED | PteFlags.DIRTY);
            assertThat(f.address(touched, level)).isEqualTo(page);
            long readOnly = f.encodeLeaf(page, level, PteFlags.PRESENT);
            assertThat(f.decode(readOnly, level) & PteFlags.WRITE).as("read-only leaf").isZero();
            assertThat(f.describe(leaf, level)).isNotBlank();
        }
    }

    @Test
    void bootMappingsCoverTheDirectMapAndTheTlbIsSized() {
        ArchSpec spec = spec();
        MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0)));
        KernelLayout l = spec.layout(map);
        long image = spec.kernelLoadAddress();
        List<KernelMapping> mappings = spec.kernelMappings(l, map, image, image + (8 << 20));
        // The first usable RAM page is translated at boot, by page tables or by a pinned TLB entry (e500 writes no
        // lowmem PTEs). It is PAGE_OFFSET's page unless firmware keeps the start of RAM out of the map (riscv64).
        long firstRam = map.usable().get(0).start();
        long first = l.va(-(-firstRam & -(1L << spec.pageShift())));
        List<KernelMapping> translated = new ArrayList<>(spec.pinnedTranslations(l));
        translated.addAll(mappings);
        assertThat(translated).anySatisfy(m -> {
            assertThat(m.kind()).isEqualTo(KernelMapping.Kind.DIRECT_MAP);
            assertThat(m.phys()).isNotEqualTo(KernelMapping.TABLES_ONLY);
            assertThat(Long.compareUnsigned(m.virt(), first)).isLessThanOrEqualTo(0);
            assertThat(Long.compareUnsigned(m.virt() + m.size(), first)).isPositive();
        });
        for (KernelMapping m : mappings) {
            assertThat(m.virt() & ((1L << spec.pageShift()) - 1)).as("%s aligned", m.name()).isZero();
            assertThat(m.size() & ((1L << spec.pageShift()) - 1)).as("%s whole pages", m.name()).isZero();
            assertThat(Long.compareUnsigned(m.maxPageSize(), 1L << spec.pageShift())).isGreaterThanOrEqualTo(0);
        }
        assertThat(spec.tlbModel().entries()).isPositive();
        for (int i = 0; i < spec.pinnedTranslations(l).size(); i++) {
            KernelMapping pin = spec.pinnedTranslations(l).get(i);
            assertThat(pin.size()).isPositive();
            assertThat(spec.describePinned(i, pin)).isNotBlank();
        }
    }

    @Test
    void faultsAreReportedInTheKernelsWords() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        PageTableFormat f = spec.pageTableFormat(l);
        PageFault fault = new PageFault(l.vmallocStart(), Access.WRITE, false, false, "not present", 1,
                new long[f.levels()], f);
        List<String> report = spec.faultReport(fault);
        assertThat(report).isNotEmpty();
        assertThat(String.join("\n", report)).containsIgnoringCase(Long.toHexString(l.vmallocStart()));
    }

    /**
     * {@link ArchSpec#faultErrorCode} is called on every fault the kernel's handler sees: it must answer for
     * every access, mode and kind of fault, the same way each time.
     */
    @Test
    void theFaultErrorCodeIsDefinedForEveryFault() {
        ArchSpec spec = spec();
        KernelLayout l = spec.layout(spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ramSizes().get(0))));
        PageTableFormat f = spec.pageTableFormat(l);
        long user = Math.min(0x10000000L, l.taskSize() / 2);
        for (Access access : Access.values()) {
            for (boolean userMode : new boolean[] {false, true}) {
                for (boolean protection : new boolean[] {false, true}) {
                    PageFault fault = new PageFault(user, access, userMode, protection, "test", 1, new long[f.levels()], f);
                    int code = spec.faultErrorCode(fault);
                    assertThat(spec.faultErrorCode(fault)).as("%s %s %s", access, userMode, protection).isEqualTo(code);
                }
            }
        }
    }

    /**
     * Builds the kernel page tables the way boot does (tables from the top of lowmem, as memblock
     * hands them out), then checks that for lowmem addresses spread over all of RAM the MMU and
     * {@code __pa} agree: through the pinned TLB entry where one translates the address (the hardware
     * never walks there), else through the walk of the tables; and that a store through the direct map
     * lands in RAM at {@code __pa} in the architecture's byte order.
     */
    @Test
    void theDirectMapTranslatesToWhatPaSays() {
        ArchSpec spec = spec();
        int shift = spec.pageShift();
        for (long ram : ramSizes()) {
            MemoryMap map = spec.sanitizeFirmwareMap(spec.defaultMemoryMap(ram));
            KernelLayout l = spec.layout(map);
            PhysicalMemory memory = new PhysicalMemory(map, spec.byteOrder(), (byte) 0);
            long[] next = {(l.maxLowPfn() << shift) - (1L << shift)};
            KernelPageTables tables = new KernelPageTables(memory, spec.pageTableFormat(l), cpu -> {
                while (!memory.isRam(next[0])) {
                    next[0] -= 1L << shift;
                }
                long page = next[0];
                next[0] -= 1L << shift;
                return page;
            }, shift);
            long image = spec.kernelLoadAddress();
            for (KernelMapping m : spec.kernelMappings(l, map, image, image + (8 << 20))) {
                tables.install(m);
            }
            Mmu mmu = new Mmu(spec, l, memory, tables, new CpuOwners(1, new KernelLogBuffer()));
            Random rnd = new Random(ram);
            long lowEnd = Math.min(l.maxLowPfn() << shift, next[0]);
            long lowStart = ramStart(map, shift);
            for (int i = 0; i < 2000; i++) {
                long phys = (lowStart + Math.floorMod(rnd.nextLong(), lowEnd - lowStart)) & ~7L;
                if (!memory.isRam(phys) || !memory.isRam(phys + 7)) {
                    continue;
                }
                long v = l.va(phys);
                int pin = mmu.pinnedIndex(v);
                if (pin >= 0) {
                    KernelMapping e = mmu.pinnedTranslations().get(pin);
                    assertThat(e.phys() + (v - e.virt())).as("pinned entry %d for %#x", pin, v).isEqualTo(phys);
                } else {
                    WalkReport w = mmu.walk(tables.root(), v);
                    assertThat(w.mapped()).as("%#x (phys %#x) on a %d-byte machine: %s", v, phys, ram, w.lines()).isTrue();
                    assertThat(w.physical()).as("walk of %#x", v).isEqualTo(l.pa(v)).isEqualTo(phys);
                }
                assertThat(mmu.cpu(0).translate(v, Access.READ)).as("the MMU on %#x", v).isEqualTo(phys);
            }
            long phys = lowStart + 0x100000 + 0x1230;
            mmu.cpu(0).store32(l.va(phys), 0x12345678);
            assertThat(memory.readInt(phys)).isEqualTo(0x12345678);
            int first = memory.readByte(phys) & 0xff;
            assertThat(first).as("first byte in %s order", spec.byteOrder())
                    .isEqualTo(spec.byteOrder() == java.nio.ByteOrder.BIG_ENDIAN ? 0x12 : 0x78);
        }
    }
}
