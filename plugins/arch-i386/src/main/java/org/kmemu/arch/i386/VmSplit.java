package org.kmemu.arch.i386;

/**
 * The Kconfig choice VMSPLIT_*: where the kernel's 1 GiB (or more) starts, i.e. CONFIG_PAGE_OFFSET
 * (arch/x86/Kconfig, "Memory split"). User space is [0, PAGE_OFFSET), so TASK_SIZE = PAGE_OFFSET
 * (arch/x86/include/asm/page_32_types.h).
 */
enum VmSplit {
    /** VMSPLIT_3G, the default: 3 GiB user, 1 GiB kernel. */
    VMSPLIT_3G("3G", 0xC0000000L),
    /** VMSPLIT_3G_OPT: 3G/1G split tuned for machines with exactly 1 GiB of RAM. */
    VMSPLIT_3G_OPT("3G_OPT", 0xB0000000L),
    /** VMSPLIT_2G: 2G/2G split. */
    VMSPLIT_2G("2G", 0x80000000L),
    /** VMSPLIT_2G_OPT: 2G/2G split for machines with 2 GiB of RAM. */
    VMSPLIT_2G_OPT("2G_OPT", 0x78000000L),
    /** VMSPLIT_1G: 1G user, 3G kernel. */
    VMSPLIT_1G("1G", 0x40000000L);

    private final String configName;
    private final long pageOffset;

    VmSplit(String configName, long pageOffset) {
        this.configName = configName;
        this.pageOffset = pageOffset;
    }

    /** @return the name the config uses, e.g. "3G_OPT" */
    String configName() {
        return configName;
    }

    /** @return CONFIG_PAGE_OFFSET for this split */
    long pageOffset() {
        return pageOffset;
    }

    /**
     * @param name a config value such as "3G" or "2g-opt" (case-insensitive, '-' read as '_',
     *             an optional "VMSPLIT_" prefix allowed)
     * @return the split, or null if the name matches none
     */
    static VmSplit parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        if (n.startsWith("VMSPLIT_")) {
            n = n.substring("VMSPLIT_".length());
        }
        for (VmSplit s : values()) {
            if (s.configName.equals(n)) {
                return s;
            }
        }
        return null;
    }

    /** @return the accepted names, for error messages */
    static String names() {
        StringBuilder sb = new StringBuilder();
        for (VmSplit s : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.configName);
        }
        return sb.toString();
    }
}
