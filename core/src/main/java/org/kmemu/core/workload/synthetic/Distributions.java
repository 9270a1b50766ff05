package org.kmemu.core.workload.synthetic;

import java.nio.file.Path;
import org.kmemu.api.ConfigView;
import org.kmemu.api.WorkloadContext;

/**
 * Reads a {@code size { ... }} or {@code lifetime { ... }} block of the synthetic workload into a
 * {@link Distribution}. Each distribution has few settings, all required:
 *
 * <ul>
 *   <li>{@code uniform}: {@code min}, {@code max} (whole numbers, 1 &lt;= min &lt;= max);</li>
 *   <li>{@code log-normal}: {@code mu}, {@code sigma} (of the value's natural log: the median is
 *       e^mu), and for sizes {@code max}: values are rounded and clamped to [1, max];</li>
 *   <li>{@code exponential} (lifetimes): {@code mean};</li>
 *   <li>{@code histogram} (sizes): {@code file}, lines {@code "size count"} ({@link SizeHistogram}).</li>
 * </ul>
 */
public final class Distributions {
    /** The kinds a {@code size} block may name. */
    enum SizeKind { UNIFORM, LOG_NORMAL, HISTOGRAM }

    /** The kinds a {@code lifetime} block may name. */
    enum LifetimeKind { UNIFORM, EXPONENTIAL, LOG_NORMAL }

    /** Lifetimes longer than this are as good as "never freed" and keep the arithmetic far from overflow. */
    static final long MAX_LIFETIME = 1L << 50;

    private Distributions() {
    }

    /**
     * @param block   the {@code size} block
     * @param context where a histogram's file is read from
     * @return its distribution of sizes in bytes
     */
    public static Distribution size(ConfigView block, WorkloadContext context) {
        return switch (block.getEnum(SizeKind.class, "distribution")) {
            case UNIFORM -> uniform(block);
            case LOG_NORMAL -> logNormal(block, positiveLong(block, "max"));
            case HISTOGRAM -> {
                Path file = context.resolve(block.getString("file"));
                yield SizeHistogram.read(file, block);
            }
        };
    }

    /**
     * @param block the {@code lifetime} block
     * @return its distribution of lifetimes in events
     */
    public static Distribution lifetime(ConfigView block) {
        return switch (block.getEnum(LifetimeKind.class, "distribution")) {
            case UNIFORM -> uniform(block);
            case EXPONENTIAL -> exponential(block);
            case LOG_NORMAL -> logNormal(block, MAX_LIFETIME);
        };
    }

    private static Distribution uniform(ConfigView block) {
        long min = positiveLong(block, "min");
        long max = positiveLong(block, "max");
        if (max < min) {
            throw block.error("max", max + " < min " + min + " (expected: max >= min)");
        }
        return new Uniform(min, max);
    }

    private static Distribution logNormal(ConfigView block, long max) {
        double mu = block.getDouble("mu");
        double sigma = block.getDouble("sigma");
        if (sigma < 0) {
            throw block.error("sigma", sigma + " (expected: 0 or more)");
        }
        return new LogNormal(mu, sigma, max);
    }

    private static Distribution exponential(ConfigView block) {
        double mean = block.getDouble("mean");
        if (!(mean > 0)) {
            throw block.error("mean", mean + " (expected: more than 0)");
        }
        return new Exponential(mean);
    }

    static long positiveLong(ConfigView block, String key) {
        long v = block.getLong(key);
        if (v < 1) {
            throw block.error(key, v + " (expected: 1 or more)");
        }
        return v;
    }

    /** Every whole number in [min, max] equally likely. */
    record Uniform(long min, long max) implements Distribution {
        @Override
        public long at(double u) {
            long v = min + (long) (u * ((double) (max - min) + 1));
            return Math.min(v, max);
        }

        @Override
        public String describe() {
            return "uniform [" + min + ", " + max + "]";
        }
    }

    /** e^(mu + sigma z), z standard normal, rounded and clamped to [1, max]. */
    record LogNormal(double mu, double sigma, long max) implements Distribution {
        @Override
        public long at(double u) {
            double v = StrictMath.exp(mu + sigma * NormalQuantile.of(u));
            if (!(v < max)) {
                return max;
            }
            return Math.max(1, Math.round(v));
        }

        @Override
        public String describe() {
            return "log-normal mu " + mu + " sigma " + sigma + " max " + max;
        }
    }

    /** -mean ln(1 - u), rounded up: at least 1. */
    record Exponential(double mean) implements Distribution {
        @Override
        public long at(double u) {
            double v = -mean * StrictMath.log1p(-u);
            return v >= MAX_LIFETIME ? MAX_LIFETIME : Math.max(1, (long) StrictMath.ceil(v));
        }

        @Override
        public String describe() {
            return "exponential mean " + mean;
        }
    }
}
