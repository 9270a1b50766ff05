package org.kmemu.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code ./kmemu shell}: a script or piped commands on the booted machine, errors with the script's line. */
class ShellTest {
    @Test
    void theShippedExampleScriptAllocatesAndPrintsTheKmallocCaches() {
        Launcher.Result r = Launcher.run("shell", "-c", "config/machines/x86_64.conf", "--script", "config/scripts/kmalloc-slabinfo.jsh");
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).startsWith("320 objects allocated\nslabinfo - version: 2.1\n# name ");
        for (String cache : List.of("kmalloc-32", "kmalloc-128", "kmalloc-256", "kmalloc-1k", "kmalloc-4k")) {
            Matcher m = Pattern.compile("(?m)^" + cache + " +(\\d+) ").matcher(r.stdout());
            assertThat(m.find()).as(cache + " in\n" + r.stdout()).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(cache + "'s active objects").isGreaterThanOrEqualTo(64);
        }
    }

    @Test
    void pipedCommandsRunWithoutPromptsOnTheBoundMachine() {
        Launcher.Result r = Launcher.exec(List.of("bash", "-c", "printf '%s\\n' 'System.out.println(machine.cpus() + \" \" + kernel.cpus());'"
                + " 'long p = kernel.kmalloc(0, 100, Gfp.GFP_KERNEL, \"piped\");'"
                + " 'System.out.println(new ProcFs(machine).read(\"meminfo\").lines().findFirst().get());'"
                + " | ./kmemu shell -c config/machines/x86_64.conf -D kmemu.cpus=3"), Launcher.ROOT, Map.of());
        assertThat(r.code()).as(r.toString()).isZero();
        assertThat(r.stdout()).matches("3 3\nMemTotal: +\\d+ kB\n");
    }

    @Test
    void anErrorNamesTheScriptsLineAndExitsWithOne() {
        Launcher.Result r = Launcher.exec(List.of("bash", "-c", "printf 'int a = 0;\\n\\nkernel.kfree(0, 0, null);\\nint b = 1 / a;\\n'"
                + " | ./kmemu shell"), Launcher.ROOT, Map.of());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("kmemu: shell: <stdin>:4: java.lang.ArithmeticException: / by zero\n");
        r = Launcher.run("shell", "--script", "nosuch.jsh");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("kmemu: nosuch.jsh: no such script file\n");
    }

    @Test
    void helpNamesTheBoundObjects() {
        Launcher.Result r = Launcher.run("shell", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.stdout().replaceAll("\\s+", "")).as("help is wrapped anywhere").contains("machine(org.kmemu.core.machine.Machine",
                "kernel(org.kmemu.api.KernelCalls", "cpu(org.kmemu.core.mmu.Cpu", "--script=FILE");
        assertThat(Launcher.run("help", "trace").stdout()).contains("record");
    }
}
