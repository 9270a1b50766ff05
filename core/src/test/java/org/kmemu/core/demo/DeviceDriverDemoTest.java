package org.kmemu.core.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kmemu.api.ArchSpec;
import org.kmemu.api.Device;
import org.kmemu.core.machine.Boot;
import org.kmemu.core.machine.DevicePlacement;
import org.kmemu.core.machine.Machine;
import org.kmemu.core.testing.TestVram;
import org.kmemu.core.testing.FirstFitPolicy;
import org.kmemu.core.testing.I386TestArch;
import org.kmemu.core.testing.SimpleSlabPolicy;
import org.kmemu.core.testing.TestMachines;
import org.kmemu.core.testing.X86_64TestArch;

/**
 * The device-driver demo on the core's test machines, with stand-ins for the devices plugin's uart (a
 * loopback FIFO: DATA at 0x00, STATUS bit 0 data ready at 0x04) and frame buffer (plain memory); the shipped
 * machines with the real devices are distribution's DemoTest.
 */
class DeviceDriverDemoTest {
    /** The uart's data and status registers, little-endian, as plugins/devices' Uart has them. */
    static final class LoopbackUart implements Device {
        final ArrayDeque<Integer> fifo = new ArrayDeque<>();

        @Override
        public long size() {
            return 0x100;
        }

        @Override
        public ByteOrder byteOrder() {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        public long read(long offset, int size) {
            if (offset == 0x00) {
                return fifo.isEmpty() ? 0 : fifo.poll();
            }
            return offset == 0x04 ? (fifo.isEmpty() ? 0 : 1) : 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset == 0x00) {
                fifo.add((int) (value & 0xff));
            }
        }
    }

    private static Machine boot(String name, boolean devices) {
        ArchSpec a = switch (name) {
            case "x86_64" -> new X86_64TestArch();
            case "i386" -> new I386TestArch();
            default -> new I386TestArch(true);
        };
        List<DevicePlacement.Placed> placed = devices ? List.of(
                new DevicePlacement.Placed("uart", 0xfed00000L, new LoopbackUart(), "test.conf:1", "kmemu.devices[0]"),
                new DevicePlacement.Placed("framebuffer", 0xfee00000L, new TestVram(0x10000), "test.conf:2", "kmemu.devices[1]")) : List.of();
        return Boot.boot(TestMachines.config(a.id(), 256L << 20, 2), a, new FirstFitPolicy(), TestMachines.allocatorConfig(),
                new SimpleSlabPolicy(), TestMachines.slabConfig(), placed);
    }

    private static String run(Machine m) {
        StringWriter sw = new StringWriter();
        Demos.find("device-driver").run(m, new PrintWriter(sw, true));
        return sw.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "i386", "e500-like"})
    void theDriverClaimsMapsTalksAndSharesMemoryWithATask(String machine) {
        String out = run(boot(machine, true));
        assertThat(out).startsWith("kmemu demo device-driver: ").doesNotContain("PAGES LOST");
        assertThat(out).contains("request_mem_region(0xfed00000, 0x100, \"kmemu-uart\") = ok",
                "request_mem_region(0xfed00000, 8, \"other-driver\") = NULL",
                "resource collision: [mem 0xfed00000-0xfed00007] conflicts with kmemu-uart",
                ": kmemu-uart", "ioread32(regs + DATA) until not ready: \"ok\"",
                "iowrite32(0x11223344, vram + 0):  bytes 44 33 22 11", "= 0x11223344:  bytes 44 33 22 11",
                "flags [reserved]", "\"written by the task\"", "\"written by the driver\"",
                "ioread32(vram + 0x1000) = 0xa3a2a1a0", "= -14 (-EFAULT)", "every page is back");
        assertThat(out).containsPattern("PTE of 0x[0-9a-f]+: pfn 0xfee00 \\[P RW USR[A-Z ]* SPECIAL\\]");
        assertThat(out.split("get_user_pages\\(", -1)).as("refused on both mappings").hasSize(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"x86_64", "e500-like"})
    void withoutTheDevicesItSaysWhatIsMissing(String machine) {
        assertThatThrownBy(() -> run(boot(machine, false))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("this machine has no uart device: add kmemu.devices");
    }
}
