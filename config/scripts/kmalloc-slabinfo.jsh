// kmalloc a few sizes on CPU 0 and show the kmalloc caches they went to, as /proc/slabinfo lists them.
//   ./kmemu shell -c config/machines/x86_64.conf --script config/scripts/kmalloc-slabinfo.jsh
// Bound: machine (the booted machine), kernel (its KernelCalls), cpu (CPU 0).

long[] sizes = {24, 100, 200, 1000, 3000};
List<Long> objects = new ArrayList<>();
for (long size : sizes) {
    for (int i = 0; i < 64; i++) {
        objects.add(kernel.kmalloc(0, size, Gfp.GFP_KERNEL, "example_script"));
    }
}
System.out.println(objects.size() + " objects allocated");

// The header lines, then the kmalloc caches that now hold objects.
for (String line : new ProcFs(machine).read("slabinfo").split("\n")) {
    if (line.startsWith("#") || line.startsWith("slabinfo") || line.matches("kmalloc-(32|128|256|1k|4k) .*")) {
        System.out.println(line);
    }
}
for (long p : objects) {
    kernel.kfree(0, p, "example_script");
}
