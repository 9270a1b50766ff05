package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the launcher on every shipped machine config, with the plugins loaded from their jars. */
class ShippedMachinesTest {

    static Stream<String> machines() throws IOException {
        try (Stream<Path> files = Files.list(Launcher.ROOT.resolve("config/machines"))) {
            return files.map(p -> "config/machines/" + p.getFileName()).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("machines")
    void bootsEveryShippedMachine(String config) {
        Launcher.Result r = Launcher.run("boot", "-c", config);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).doesNotContain("plugin error");
        assertThat(r.stdout()).contains("] Zone ranges:", "] Movable zone start for each node", "] Early memory node ranges",
                "] Built 1 zonelists, mobility grouping on.");
        assertThat(r.stdout()).containsPattern("\\] Memory: \\d+K/\\d+K available \\(\\d+K kernel code, \\d+K rwdata, "
                + "\\d+K rodata, \\d+K init, \\d+K bss, \\d+K reserved, 0K cma-reserved(, \\d+K highmem)?\\)");
    }

    @ParameterizedTest
    @MethodSource("machines")
    void printsEveryProcFileAndTheLayout(String config) {
        for (String name : new String[] {"buddyinfo", "pagetypeinfo", "zoneinfo", "iomem", "meminfo", "slabinfo",
            "vmallocinfo", "vmstat"}) {
            Launcher.Result r = Launcher.run("proc", name, "-c", config);
            assertThat(r.code()).as(name + " " + r).isZero();
            if (!name.equals("vmallocinfo")) { // nothing vmalloc'ed yet right after boot: empty, as it should be
                assertThat(r.stdout()).as(name).isNotBlank();
            }
            if (name.equals("vmstat")) {
                // After boot no task has faulted: the counts are real, so they are 0.
                assertThat(r.stdout()).startsWith("nr_free_pages ").contains("\nnr_anon_pages 0\n", "\npgfault 0\n",
                        "\npgmajfault 0\n");
            }
        }
        Launcher.Result layout = Launcher.run("layout", "-c", config);
        assertThat(layout.code()).as(layout.toString()).isZero();
        assertThat(layout.stdout()).contains("virtual kernel memory layout", ".text");
    }

    @Test
    void noArgumentsBootsTheDefaultMachineFromAnyDirectory() throws IOException {
        Path elsewhere = Files.createTempDirectory("kmemu-cwd");
        Launcher.Result r = Launcher.runIn(elsewhere, new String[0]);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Zone ranges:", "HighMem", "Memory:");
    }

    @Test
    void i386HighmemHasHighmemAndLowmemInMeminfo() {
        Launcher.Result r = Launcher.run("proc", "meminfo", "-c", "config/machines/i386-highmem.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).containsPattern("(?m)^HighTotal: +\\d+ kB$").containsPattern("(?m)^LowTotal: +\\d+ kB$");
        Launcher.Result x = Launcher.run("proc", "meminfo", "-c", "config/machines/x86_64.conf");
        assertThat(x.stdout()).doesNotContain("HighTotal");
    }

    /**
     * x86's /proc/meminfo DirectMap lines count every leaf of the direct map (arch/x86/mm/pat/set_memory.c
     * direct_pages_count[]), the ISA range init_mem_mapping() maps first in 4 KiB pages included
     * (arch/x86/mm/init.c), so on x86_64 they add up to the ISA megabyte plus all RAM above it.
     */
    @Test
    void x86_64DirectMapLinesCoverAllOfTheDirectMap() {
        Launcher.Result iomem = Launcher.run("proc", "iomem", "-c", "config/machines/x86_64.conf");
        long ramAboveIsa = iomem.stdout().lines().filter(l -> l.endsWith(" : System RAM")).mapToLong(l -> {
            String[] range = l.strip().split(" ")[0].split("-");
            long start = Long.parseLong(range[0], 16);
            long end = Long.parseLong(range[1], 16) + 1;
            return Math.max(0, end - Math.max(start, 1L << 20));
        }).sum();
        Launcher.Result r = Launcher.run("proc", "meminfo", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        Map<String, Long> kb = new HashMap<>();
        r.stdout().lines().filter(l -> l.startsWith("DirectMap")).forEach(l -> kb.put(l.substring(0, l.indexOf(':')),
                Long.parseLong(l.substring(l.indexOf(':') + 1).replace("kB", "").strip())));
        assertThat(kb.keySet()).containsExactlyInAnyOrder("DirectMap4k", "DirectMap2M", "DirectMap1G");
        long total = kb.values().stream().mapToLong(Long::longValue).sum();
        assertThat(total).as("ISA range + RAM above 1 MiB, in kB").isEqualTo((1L << 10) + (ramAboveIsa >> 10));
        // The 8 GiB PC: RAM [1 MiB, 3 GiB) and [4 GiB, 9 GiB). split_mem_range(): 4 KiB pages up to the first
        // 2 MiB boundary (with the ISA range: 2 MiB), 2 MiB pages up to 1 GiB, 1 GiB pages (gbpages) for the rest.
        assertThat(total).isEqualTo(8L << 20);
        assertThat(kb).containsEntry("DirectMap4k", 2048L).containsEntry("DirectMap2M", 1022L << 10)
                .containsEntry("DirectMap1G", 7L << 20);
    }

    /**
     * i386 maps all of lowmem, [0, max_low_pfn), in the direct map (the ISA range, the RAM above it and, with
     * NX, the kernel text cut out as executable): DirectMap4k + DirectMap2M/4M add up to max_low_pfn pages.
     */
    @ParameterizedTest
    @CsvSource({"config/machines/i386-highmem.conf, DirectMap4M", "config/machines/i386-pae.conf, DirectMap2M"})
    void i386DirectMapLinesCoverAllOfLowmem(String config, String large) {
        Launcher.Result layout = Launcher.run("layout", "-c", config);
        long maxLowPfn = Long.parseLong(layout.stdout().replaceAll("(?s).*max_low_pfn 0x([0-9a-f]+).*", "$1").strip(), 16);
        Launcher.Result r = Launcher.run("proc", "meminfo", "-c", config);
        assertThat(r.code()).as(r.toString()).isZero();
        long total = r.stdout().lines().filter(l -> l.startsWith("DirectMap4k:") || l.startsWith(large + ":"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).replace("kB", "").strip())).sum();
        assertThat(total).isEqualTo(maxLowPfn * 4);
    }

    @Test
    void buddyinfoListsTheX86_64Zones() {
        Launcher.Result r = Launcher.run("proc", "buddyinfo", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout().lines()).hasSize(3);
        assertThat(r.stdout()).containsPattern("(?m)^Node 0, zone      DMA( +\\d+){11} $")
                .containsPattern("(?m)^Node 0, zone    DMA32( +\\d+){11} $")
                .containsPattern("(?m)^Node 0, zone   Normal( +\\d+){11} $");
    }

    @Test
    void anyKeyCanBeOverriddenFromTheCommandLine() {
        Launcher.Result r = Launcher.run("proc", "meminfo", "-c", "config/machines/x86_64.conf", "-D", "kmemu.memory.size=64G");
        assertThat(r.code()).as(r.toString()).isZero();
        long memTotalKb = Long.parseLong(r.stdout().lines().filter(l -> l.startsWith("MemTotal:")).findFirst().orElseThrow()
                .replaceAll("\\D", ""));
        // 64 GiB less the reserved first MiB, kernel image and mem_map (64 bytes per 4 KiB page).
        assertThat(memTotalKb).isBetween(64L * 1024 * 1024 * 97 / 100, 64L * 1024 * 1024);
    }

    @Test
    void slabinfoShowsSlubsKmallocCachesAsCalculateOrderSizesThem() {
        Launcher.Result r = Launcher.run("proc", "slabinfo", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("slabinfo - version: 2.1\n");
        // 2 CPUs: min_objects = 4 * (fls(2) + 1) = 12 (mm/slub.c calculate_order): kmalloc-512 needs order 1.
        assertThat(r.stdout()).containsPattern("(?m)^kmalloc-8 +\\d+ +\\d+ +8 +512 +1 : tunables +0 +0 +0 : slabdata")
                .containsPattern("(?m)^kmalloc-512 +\\d+ +\\d+ +512 +16 +2 : tunables")
                .containsPattern("(?m)^dma-kmalloc-64 ");
    }

    /** SLUB's kmalloc-N caches of mm/slab_common.c; SLAB's size-N of Linux 3.7 (no size-96 with a 64-byte line). */
    @ParameterizedTest
    @CsvSource({"slub, kmalloc-", "slab, size-"})
    void slubAndSlabShowTheirOwnKmallocCachesInSlabinfo(String policy, String prefix) {
        Launcher.Result r = Launcher.run("proc", "slabinfo", "-c", "config/machines/i386-highmem.conf",
                "-D", "kmemu.machine.object-allocator=" + policy);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith("slabinfo - version: 2.1\n").containsPattern("(?m)^" + prefix + "64 ")
                .containsPattern("(?m)^" + prefix + "192 ");
        if (policy.equals("slab")) {
            assertThat(r.stdout()).containsPattern("(?m)^size-32 ").containsPattern("(?m)^size-4194304 ")
                    .doesNotContainPattern("(?m)^size-96 ").doesNotContainPattern("(?m)^kmalloc-");
        } else {
            assertThat(r.stdout()).containsPattern("(?m)^kmalloc-8 ").containsPattern("(?m)^kmalloc-96 ")
                    .containsPattern("(?m)^kmalloc-8k ").doesNotContainPattern("(?m)^kmalloc-16k ");
        }
    }

    /** The machine file README.md shows under "Configuration" boots as written (its clock costs included). */
    @Test
    void theReadmesExampleMachineFileBoots(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        int start = readme.indexOf("```\nkmemu {\n");
        assertThat(start).as("README's example machine file").isNotNegative();
        String example = readme.substring(start + 4, readme.indexOf("```", start + 4));
        Path file = dir.resolve("readme.conf");
        Files.writeString(file, example);
        Launcher.Result r = Launcher.run("boot", "-c", file.toString());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Memory: ");
    }

    /** SLOB kernels had no /proc/slabinfo: the file is not there, as cat would say. */
    @Test
    void aSlobKernelHasNoSlabinfo() {
        Launcher.Result r = Launcher.run("proc", "slabinfo", "-c", "config/machines/i386-highmem.conf",
                "-D", "kmemu.machine.object-allocator=slob");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("cat: /proc/slabinfo: No such file or directory");
    }

    /** /proc/PID/maps and smaps: a kernel thread's are empty (no mm), a pid no task has is not there. */
    @Test
    void pidFilesOfAKernelThreadAreEmptyAndOfNoTaskMissing() {
        for (String name : List.of("1/maps", "2/smaps")) {
            Launcher.Result r = Launcher.run("proc", name, "-c", "config/machines/i386-highmem.conf");
            assertThat(r.code()).as(r.toString()).isZero();
            assertThat(r.stdout()).as(r.toString()).isEmpty();
        }
        Launcher.Result r = Launcher.run("proc", "42/maps", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("cat: /proc/42/maps: No such file or directory\n");
        r = Launcher.run("proc", "self/smaps", "-c", "config/machines/x86_64.conf");
        assertThat(r.code()).as("CPU 0 runs its idle task: no /proc/self\n" + r).isEqualTo(1);
    }

    @Test
    void pluginsListsEveryShippedPluginAndItsExtensionsByExtensionPoint() {
        Launcher.Result r = Launcher.run("plugins");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).as(r.toString()).isEmpty();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines.get(0)).matches("kmemu \\S+ \\(plugin API 1\\.2\\.0\\)");
        assertThat(section(lines, "Plugins:")).as("listed by plugin id").extracting(l -> l.strip().split(" +")[0])
                .containsExactly("booke", "buddy", "devices", "i386", "slab", "slob", "slub", "x86_64");
        assertThat(section(lines, "Plugins:")).allSatisfy(l -> assertThat(l).contains("STARTED", "requires >=1.2.0 & <2.0.0"));
        assertThat(section(lines, "Architecture (kmemu.machine.arch):")).extracting(l -> l.strip().split(" +")[0])
                .containsExactly("booke", "i386", "x86_64");
        assertThat(section(lines, "PageAllocatorPolicy (kmemu.machine.page-allocator):")).singleElement()
                .satisfies(l -> assertThat(l).startsWith("  buddy ").endsWith("[plugin buddy]"));
        assertThat(section(lines, "ObjectAllocatorPolicy (kmemu.machine.object-allocator):")).extracting(l -> l.strip().split(" +")[0])
                .containsExactly("slab", "slob", "slub");
        assertThat(section(lines, "Workload (workload.type):")).as("kmemu's own workloads").extracting(l -> l.strip().split(" +")[0])
                .contains("synthetic", "trace");
        assertThat(section(lines, "Workload (workload.type):")).allSatisfy(l -> assertThat(l).endsWith("[built into kmemu]"));
        assertThat(section(lines, "DeviceType (kmemu.devices[].type):")).extracting(l -> l.strip().split(" +")[0])
                .containsExactly("dma", "framebuffer", "uart");
    }

    /** @return the indented lines under {@code header} in {@code kmemu plugins}' output */
    private static List<String> section(List<String> lines, String header) {
        int start = lines.indexOf(header);
        assertThat(start).as(header + " in " + lines).isNotNegative();
        return lines.stream().skip(start + 1).takeWhile(l -> l.startsWith("  ")).toList();
    }

    @ParameterizedTest
    @CsvSource({
        "config/machines/x86_64.conf, 0xffff888001000010, 0x1000010",
        "config/machines/i386-highmem.conf, 0xc1000010, 0x1000010",
        "config/machines/i386-pae.conf, 0xc1000010, 0x1000010"})
    void translateWalksTheKernelPageTablesToWhatPaSays(String config, String vaddr, String phys) {
        Launcher.Result r = Launcher.run("translate", vaddr, "-c", config);
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("kernel page tables at phys").containsPattern("(?m)^  PGD\\[ *\\d+\\] @ phys ");
        assertThat(r.stdout().strip()).endsWith("-> phys " + phys);
    }

    /**
     * e500 lowmem is translated by the pinned TLB1 entries alone: the CPU never misses there, so translate
     * shows the entry, not a walk (and Linux writes no lowmem PTEs: mapin_ram() starts where the CAMs end).
     * 768 MiB of lowmem in three 256 MiB CAMs; 0xc0123456 is in the first.
     */
    @Test
    void e500LowmemIsTranslatedByItsTlb1EntryWithoutAWalk() {
        Launcher.Result r = Launcher.run("translate", "0xc0123456", "-c", "config/machines/booke-e500.conf");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("  TLB1[0]: EPN 0xc0000000 RPN 0x00000000 TSIZE 18 (256 MiB) V IPROT TID 0 SR SW SX")
                .contains("  => pinned translation, offset 0x123456: phys 0x123456 (the tables are not walked)")
                .doesNotContain("PGD[");
        assertThat(r.stdout().strip()).endsWith("MMU: 0xc0123456 -> phys 0x123456");
        Launcher.Result third = Launcher.run("translate", "0xe1000010", "-c", "config/machines/booke-e500.conf");
        assertThat(third.stdout()).contains("  TLB1[2]: EPN 0xe0000000 RPN 0x20000000 TSIZE 18 (256 MiB)");
        assertThat(third.stdout().strip()).endsWith("-> phys 0x21000010");
        Launcher.Result user = Launcher.run("translate", "0xc0123456", "--user", "-c", "config/machines/booke-e500.conf");
        assertThat(user.code()).as(user.toString()).isEqualTo(1);
        assertThat(user.stdout()).contains("TLB1[0]", "segfault (11) at c0123456 nip ? lr ? code 2");
        Launcher.Result layout = Launcher.run("layout", "-c", "config/machines/booke-e500.conf");
        assertThat(layout.stdout()).containsPattern("(?m)^    lowmem +: 0xc0000000 - 0xf0000000 .*\\[pinned in the TLB: direct map\\]$")
                .doesNotContain("[mapped: direct map]");
    }

    @ParameterizedTest
    @CsvSource({
        "config/machines/i386-highmem.conf, 0x100000000, 0x100000000 is wider than i386's 32-bit virtual addresses",
        "config/machines/booke-e500.conf, 0x1c0000000, 0x1c0000000 is wider than booke's 32-bit virtual addresses",
        "config/machines/x86_64.conf, 0x0000800000000000, 0x800000000000 is not one of x86_64's 48-bit virtual addresses"})
    void translateRefusesAnAddressTheArchitectureCannotIssue(String config, String vaddr, String why) {
        Launcher.Result r = Launcher.run("translate", vaddr, "-c", config);
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).as(r.toString()).contains("kmemu: translate: " + why);
        assertThat(r.stdout()).as("no walk").doesNotContain("PGD[");
    }

    @ParameterizedTest
    @CsvSource({
        "config/machines/x86_64.conf, BUG: unable to handle page fault for address:",
        "config/machines/i386-highmem.conf, BUG: unable to handle page fault for address:",
        "config/machines/booke-e500.conf, BUG: Unable to handle kernel data access"})
    void anUnmappedVmallocAddressFaultsWithTheKernelsReport(String config, String report) {
        Launcher.Result layout = Launcher.run("layout", "-c", config);
        String vmalloc = layout.stdout().lines().filter(l -> l.contains("vmalloc")).findFirst().orElseThrow()
                .replaceAll(".*: (0x[0-9a-f]+) - .*", "$1");
        Launcher.Result r = Launcher.run("translate", vmalloc, "--access", "write", "-c", config);
        assertThat(r.code()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("not mapped", report);
    }
}
