package org.kmemu.core.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Gfp;
import org.kmemu.api.KernelLayout;
import org.kmemu.api.MemoryMap;
import org.kmemu.api.MemoryRegion;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneStats;
import org.kmemu.api.ZoneType;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.TestMachines;

class MemInfoTest {
    /** show_val_kb(): label padded to 16, value right-aligned in 8 (or wider), " kB". */
    static final String KB_LINE = "[A-Za-z0-9_()]+: +\\d+ kB";
    static final String HUGE_LINE = "HugePages_[A-Za-z]+: +\\d+";

    /**
     * Checks every line's layout (a 16-column label and an 8-column value, or for HugePages_* a
     * 19-column label and a 5-column value; wider values widen the line) and returns field name to
     * value, in file order.
     */
    private static Map<String, Long> fields(String text) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String line : ProcTestSupport.lines(text)) {
            assertThat(line).matches(KB_LINE + "|" + HUGE_LINE);
            boolean kb = line.endsWith(" kB");
            String body = kb ? line.substring(0, line.length() - 3) : line;
            String name = line.substring(0, line.indexOf(':'));
            String value = body.substring(name.length() + 1).trim();
            int labelCols = kb ? 16 : 19;
            assertThat(body).as(line).hasSize(labelCols + Math.max(kb ? 8 : 5, value.length()));
            assertThat(body.substring(0, labelCols)).as(line).isEqualTo(String.format("%-" + labelCols + "s", name + ":"));
            out.put(name, Long.parseLong(value));
        }
        return out;
    }

    @Test
    void x86_64HasTheSamplesFieldsInTheSamplesOrder() {
        assumeTrue(ProcTestSupport.haveSamples());
        Machine m = TestMachines.x86_64(4L << 30);
        List<String> sample = ProcTestSupport.sample("meminfo.txt");
        List<String> ours = ProcTestSupport.lines(MemInfo.render(m));
        assertThat(ours).hasSameSizeAs(sample);
        for (int i = 0; i < sample.size(); i++) {
            String label = sample.get(i).substring(0, sample.get(i).indexOf(':') + 1);
            assertThat(ours.get(i)).startsWith(label);
        }
        // The same layout rules hold for the real sample and for ours.
        fields(String.join("\n", sample) + "\n");
        fields(String.join("\n", ours) + "\n");
    }

    @Test
    void x86_64NumbersComeFromTheMachine() {
        Machine m = TestMachines.x86_64(4L << 30);
        for (int i = 0; i < 100; i++) {
            m.pageAllocator().allocPages(0, Gfp.GFP_KERNEL, 2);
        }
        Map<String, Long> f = fields(MemInfo.render(m));
        assertThat(f.get("MemTotal")).isEqualTo(m.totalRamPages() * 4);
        // 400 pages allocated here, and preallocate_vmalloc_pages' 64 PUD pages at boot.
        long prealloc = m.mmu().kernelTables().preallocatedTablePages();
        assertThat(f.get("MemFree")).isEqualTo(m.nrFreePages() * 4).isEqualTo((m.totalRamPages() - 400 - prealloc) * 4);
        assertThat(f.get("MemAvailable")).isEqualTo((m.nrFreePages() - totalReserve(m)) * 4);
        assertThat(f.get("CommitLimit")).isEqualTo(m.totalRamPages() / 2 * 4);
        assertThat(f.get("VmallocTotal")).isEqualTo(34359738367L);
        assertThat(f.get("Hugepagesize")).isEqualTo(2048);
        assertThat(f).doesNotContainKeys("HighTotal", "HighFree", "LowTotal", "LowFree", "DirectMap4M");
        // 3 GiB below the PCI hole and 1 GiB above it, all direct-mapped.
        assertThat(f.get("DirectMap4k") + f.get("DirectMap2M") + f.get("DirectMap1G")).isEqualTo(4L << 20);
        assertThat(f.get("DirectMap1G")).isEqualTo(3L << 20);
        assertThat(f.get("DirectMap4k")).isEqualTo(2048);
    }

    @Test
    void pageCacheLinesCountCachedDirtyWritebackAndMappedPages() {
        Machine m = TestMachines.x86_64(64L << 20);
        org.kmemu.core.fs.RamFs fs = m.kernel().fs();
        org.kmemu.core.mmu.Cpu cpu = m.mmu().cpu(0);
        Map<String, Long> f = fields(MemInfo.render(m));
        assertThat(f.get("Cached")).isZero();
        org.kmemu.core.fs.Inode a = fs.create("/a", new byte[10 * 4096]);
        org.kmemu.core.fs.Inode b = fs.create("/b", new byte[2 * 4096]);
        fs.filemap().read(cpu, a, 0, new byte[10 * 4096], 0, 10 * 4096);
        for (int page = 0; page < 3; page++) {
            fs.filemap().write(cpu, a, page * 4096L, new byte[] {1}, 0, 1);
        }
        fs.filemap().write(cpu, b, 0, new byte[2 * 4096], 0, 2 * 4096);
        fs.writeback().start(cpu, b);
        long mapped = fs.filemap().findGetPage(a.mapping(), 9);
        m.kernel().pages().pageAddMapcount(mapped, 1);

        f = fields(MemInfo.render(m));
        assertThat(f.get("Cached")).isEqualTo(12 * 4);
        assertThat(f.get("Dirty")).isEqualTo(3 * 4);
        assertThat(f.get("Writeback")).isEqualTo(2 * 4);
        assertThat(f.get("Mapped")).isEqualTo(4);
        assertThat(f.get("Buffers")).isZero();

        m.kernel().pages().pageAddMapcount(mapped, -1);
        m.kernel().pages().putPage(cpu, mapped);
        fs.writeback().end(cpu, b);
        fs.truncate().truncate(cpu, a, 0);
        f = fields(MemInfo.render(m));
        assertThat(f.get("Cached")).isEqualTo(2 * 4);
        assertThat(f.get("Dirty")).isZero();
        assertThat(f.get("Writeback")).isZero();
        assertThat(f.get("Mapped")).isZero();
    }

    @Test
    void i386ShowsHighmemAndFourMegabyteDirectMap() {
        Machine m = TestMachines.i386(2L << 30);
        Map<String, Long> f = fields(MemInfo.render(m));
        assertThat(List.copyOf(f.keySet()).subList(14, 18)).containsExactly("HighTotal", "HighFree", "LowTotal", "LowFree");
        assertThat(f.get("HighTotal")).isEqualTo(m.totalHighPages() * 4).isPositive();
        assertThat(f.get("HighFree")).isEqualTo(m.nrFreeHighPages() * 4);
        assertThat(f.get("LowTotal")).isEqualTo(f.get("MemTotal") - f.get("HighTotal"));
        assertThat(f.get("LowFree")).isEqualTo(f.get("MemFree") - f.get("HighFree"));
        assertThat(f.get("Hugepagesize")).isEqualTo(4096);
        assertThat(f).containsKeys("DirectMap4k", "DirectMap4M").doesNotContainKeys("DirectMap2M", "DirectMap1G");
        // The direct map covers exactly lowmem: 896 MiB.
        assertThat(f.get("DirectMap4k") + f.get("DirectMap4M")).isEqualTo(896L << 10);
        // VMALLOC_START is 8 MiB past high_memory; VMALLOC_END two pages below PKMAP_BASE.
        assertThat(f.get("VmallocTotal")).isEqualTo((0xff800000L - 2 * 4096 - (0xc0000000L + (896L << 20) + (8L << 20))) >> 10);
    }

    @Test
    void architectureWithoutHugetlbOrDirectMapLines() {
        Machine m = TestMachines.boot(new Renamed(new I386TestArch(), "booke"), 1L << 30, 1);
        Map<String, Long> f = fields(MemInfo.render(m));
        assertThat(f).containsKeys("HighTotal", "Balloon")
                .doesNotContainKeys("HugePages_Total", "Hugepagesize", "Hugetlb", "AnonHugePages", "DirectMap4k");
        assertThat(List.copyOf(f.keySet()).get(f.size() - 1)).isEqualTo("Balloon");
    }

    private static long totalReserve(Machine m) {
        long total = 0;
        for (ZoneSpan z : m.populatedZones()) {
            ZoneStats s = m.pageAllocator().zoneStats(z.type());
            long max = 0;
            for (long r : s.lowmemReserve()) {
                max = Math.max(max, r);
            }
            total += Math.min(max + s.watermarkHigh(), z.managedPages());
        }
        return total;
    }

    /** An architecture under another id, to see the lines that depend on it. */
    private record Renamed(ArchSpec arch, String id) implements ArchSpec {
        @Override
        public String description() {
            return id + " (renamed " + arch.description() + ")";
        }

        @Override
        public ByteOrder byteOrder() {
            return arch.byteOrder();
        }

        @Override
        public int pageShift() {
            return arch.pageShift();
        }

        @Override
        public int physAddressBits() {
            return arch.physAddressBits();
        }

        @Override
        public int virtAddressBits() {
            return arch.virtAddressBits();
        }

        @Override
        public int structPageBytes() {
            return arch.structPageBytes();
        }

        @Override
        public Set<ZoneType> zoneTypes() {
            return arch.zoneTypes();
        }

        @Override
        public MemoryMap defaultMemoryMap(long ramBytes) {
            return arch.defaultMemoryMap(ramBytes);
        }

        @Override
        public long kernelLoadAddress() {
            return arch.kernelLoadAddress();
        }

        @Override
        public List<MemoryRegion> earlyReservations(MemoryMap map) {
            return arch.earlyReservations(map);
        }

        @Override
        public KernelLayout layout(MemoryMap map) {
            return arch.layout(map);
        }

        @Override
        public long maxZonePfn(ZoneType zone, KernelLayout layout) {
            return arch.maxZonePfn(zone, layout);
        }

        @Override
        public org.kmemu.api.PageTableFormat pageTableFormat(KernelLayout layout) {
            return arch.pageTableFormat(layout);
        }

        @Override
        public org.kmemu.api.TlbModel tlbModel() {
            return arch.tlbModel();
        }

        @Override
        public List<org.kmemu.api.KernelMapping> kernelMappings(KernelLayout layout, org.kmemu.api.MemoryMap map, long imageStart,
                long imageEnd) {
            return arch.kernelMappings(layout, map, imageStart, imageEnd);
        }

        @Override
        public Set<org.kmemu.api.CpuFeature> cpuFeatures() {
            return arch.cpuFeatures();
        }

        @Override
        public List<String> faultReport(org.kmemu.api.PageFault fault) {
            return arch.faultReport(fault);
        }
    }
}
