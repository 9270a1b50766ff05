package org.kmemu.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kmemu.alloc.buddy.BuddyPolicy;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.api.FreePageWords;
import org.kmemu.api.KernelLog;
import org.kmemu.api.LogLevel;
import org.kmemu.api.PageAllocator;
import org.kmemu.api.PageAllocatorContext;
import org.kmemu.api.ZoneSpan;
import org.kmemu.api.ZoneType;
import org.kmemu.core.mm.PageFrames;

/**
 * A minimal machine for the benchmarks: one x86_64-like Normal zone, the buddy plugin's reference.conf
 * defaults (read with Typesafe Config, as the core reads them), struct pages whose words it lends the
 * buddy for its free lists (as boot does), and a log that drops lines.
 */
final class BenchMachine implements PageAllocatorContext {
    private final List<ZoneSpan> zones;
    private final ConfigView config;
    /** The struct pages whose words the buddy threads its free lists through, as on a booted machine. */
    private final PageFrames frames;

    private final boolean lend;

    private BenchMachine(long pages, boolean lend) {
        this.lend = lend;
        this.zones = List.of(new ZoneSpan(ZoneType.NORMAL, 1L << 20, pages, pages, pages));
        this.frames = new PageFrames((1L << 20) + pages, List.of(new long[] {1L << 20, (1L << 20) + pages}));
        Config c = ConfigFactory.parseResources(BuddyPolicy.class.getClassLoader(), "reference.conf")
                .getConfig("kmemu.page-allocator.buddy");
        this.config = new View("kmemu.page-allocator.buddy", c);
    }

    /** @return a booted buddy allocator over a Normal zone of this many pages */
    static PageAllocator buddy(long pages) {
        return buddy(pages, true);
    }

    /**
     * @param pages how many pages the Normal zone has
     * @param lend  whether the machine lends its struct page words (false: the buddy keeps its own)
     * @return a booted buddy allocator
     */
    static PageAllocator buddy(long pages, boolean lend) {
        BenchMachine m = new BenchMachine(pages, lend);
        PageAllocator a = new BuddyPolicy().create(m);
        a.freeBootMemory(1L << 20, pages);
        return a;
    }

    @Override
    public FreePageWords freePageWords() {
        return lend ? frames.freePageWords() : null;
    }

    @Override
    public ConfigView config() {
        return config;
    }

    @Override
    public List<ZoneSpan> zones() {
        return zones;
    }

    @Override
    public Set<ZoneType> configuredZones() {
        return EnumSet.of(ZoneType.DMA, ZoneType.DMA32, ZoneType.NORMAL, ZoneType.MOVABLE);
    }

    @Override
    public int pageShift() {
        return 12;
    }

    @Override
    public int cpus() {
        return 1;
    }

    @Override
    public KernelLog log() {
        return new KernelLog() {
            @Override
            public void printk(LogLevel level, String line) {
            }

            @Override
            public String currentComm() {
                return "bench";
            }
        };
    }

    /** ConfigView over a Typesafe Config subtree. */
    private record View(String path, Config c) implements ConfigView {
        @Override
        public boolean hasPath(String key) {
            return c.hasPath(key);
        }

        @Override
        public String getString(String key) {
            return c.getString(key);
        }

        @Override
        public boolean getBoolean(String key) {
            return c.getBoolean(key);
        }

        @Override
        public int getInt(String key) {
            return c.getInt(key);
        }

        @Override
        public long getLong(String key) {
            return c.getLong(key);
        }

        @Override
        public long getBytes(String key) {
            return c.getBytes(key);
        }

        @Override
        public long getAddress(String key) {
            return Long.decode(c.getString(key));
        }

        @Override
        public List<String> getStringList(String key) {
            return c.getStringList(key);
        }

        @Override
        public <E extends Enum<E>> E getEnum(Class<E> type, String key) {
            return c.getEnum(type, key);
        }

        @Override
        public ConfigView getConfig(String key) {
            return new View(path + "." + key, c.getConfig(key));
        }

        @Override
        public ConfigException error(String key, String problem) {
            return new ConfigException(path + "." + key + ": " + problem);
        }
    }
}
