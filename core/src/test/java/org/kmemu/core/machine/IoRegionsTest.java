package org.kmemu.core.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ArchSpec;
import org.kmemu.core.proc.ProcFs;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * request_mem_region/release_mem_region and request_region/release_region on the stand-in machines: claims
 * nest under a device's window, conflicts are refused with NULL and a message naming the holder, releases
 * remove exactly what was claimed, and /proc/iomem and /proc/ioports print the tree as r_show() does.
 */
class IoRegionsTest {
    static final long BASE = 0xfed00000L;

    /** A stand-in machine with a 4 KiB register file named uart at {@link #BASE}; also DevresTest's. */
    static Machine boot(String name) {
        ArchSpec arch = switch (name) {
            case "x86_64" -> new X86_64TestArch();
            case "i386" -> new I386TestArch();
            default -> new I386TestArch(true);
        };
        return Boot.boot(TestMachines.config(arch.id(), 64L << 20, 2), arch, new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig(),
                List.of(new DevicePlacement.Placed("uart", BASE, new RegisterFile(ByteOrder.LITTLE_ENDIAN), "m.conf:3", "kmemu.devices[0]")));
    }

    static List<String> lines(Machine m) {
        return m.log().lines().stream().map(KernelLogBuffer.Line::text).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void aClaimNestsUnderTheDevicesWindowAndASecondClaimIsRefusedNamingTheHolder(String arch) {
        Machine m = boot(arch);
        IoRegions io = m.ioRegions();
        Resource r = io.requestMemRegion(BASE, 0x100, "serial8250");
        assertThat(r).isNotNull();
        assertThat(r.busy()).isTrue();
        assertThat(io.requestMemRegion(BASE + 0x80, 0x10, "other")).isNull();
        assertThat(lines(m)).contains("other: resource collision: [mem 0xfed00080-0xfed0008f] conflicts with serial8250"
                + " [mem 0xfed00000-0xfed000ff]");
        // straddling the window's edge is refused too: it conflicts with the window itself
        assertThat(io.requestMemRegion(BASE + 0xf00, 0x200, "wide")).isNull();
        assertThat(lines(m)).contains("wide: resource collision: [mem 0xfed00f00-0xfed010ff] conflicts with uart"
                + " [mem 0xfed00000-0xfed00fff]");
        // another part of the window is free
        assertThat(io.requestMemRegion(BASE + 0x800, 0x100, "fb")).isNotNull();
        String iomem = new ProcFs(m).read("iomem");
        assertThat(iomem).contains("fed00000-fed00fff : uart\n  fed00000-fed000ff : serial8250\n  fed00800-fed008ff : fb\n");
        io.releaseMemRegion(BASE, 0x100);
        assertThat(new ProcFs(m).read("iomem")).doesNotContain("serial8250").contains("  fed00800-fed008ff : fb\n");
        assertThat(io.requestMemRegion(BASE + 0x80, 0x10, "other")).as("free again").isNotNull();
    }

    @Test
    void releasingWhatIsNotClaimedExactlyWarnsAsTheKernelDoes() {
        Machine m = boot("x86_64");
        IoRegions io = m.ioRegions();
        io.requestMemRegion(BASE, 0x100, "serial8250");
        io.releaseMemRegion(BASE, 0x80);
        assertThat(lines(m)).contains("Trying to free nonexistent resource <0x00000000fed00000-0x00000000fed0007f>");
        assertThat(new ProcFs(m).read("iomem")).contains("  fed00000-fed000ff : serial8250\n");
        Machine small = boot("i386");
        small.ioRegions().releaseMemRegion(BASE, 0x10);
        assertThat(lines(small)).contains("Trying to free nonexistent resource <0xfed00000-0xfed0000f>");
    }

    @Test
    void systemRamAndTheKernelImageAreBusySoAClaimThereIsRefused() {
        Machine m = boot("x86_64");
        assertThat(m.ioRegions().requestMemRegion(0x3000000, 0x1000, "pmem")).isNull();
        assertThat(lines(m)).anyMatch(l -> l.startsWith("pmem: resource collision: [mem 0x03000000-0x03000fff] conflicts with System RAM [mem "));
        assertThat(m.ioRegions().requestMemRegion(0x2000000, 0x1000, "pmem")).isNull();
    }

    @Test
    void x86PortsHaveTheLegacyClaimsAndRequestRegionWorksOnThem() {
        Machine m = boot("x86_64");
        IoRegions io = m.ioRegions();
        assertThat(io.requestRegion(0x3f8, 8, "serial")).isNotNull();
        assertThat(io.requestRegion(0x3f8, 1, "again")).isNull();
        assertThat(lines(m)).contains("again: resource collision: [io  0x03f8-0x03f8] conflicts with serial [io  0x03f8-0x03ff]");
        assertThat(io.requestRegion(0x60, 1, "i8042")).as("the keyboard controller is claimed at boot").isNull();
        String ports = new ProcFs(m).read("ioports");
        assertThat(ports).startsWith("0000-001f : dma1\n0020-0021 : pic1\n0040-0043 : timer0\n").contains("03f8-03ff : serial\n");
        io.releaseRegion(0x3f8, 8);
        assertThat(new ProcFs(m).read("ioports")).doesNotContain("serial");
    }

    @Test
    void e500HasNoLegacyPorts() {
        Machine m = boot("e500-like");
        // the stand-in has the i386 id; a real e500 machine is checked in the distribution's DevicesTest
        assertThat(m.ioports().end()).isIn(0xffffL, 0xffffffffL);
    }
}
