package org.kmemu.core.workload.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmemu.api.ConfigException;
import org.kmemu.api.ConfigView;
import org.kmemu.core.testing.ExperimentFiles;
import org.kmemu.core.workload.RunContext;

/** The size and lifetime distributions, sampled with a fixed seed: means and quantiles where they belong. */
class DistributionsTest {
    private static final int N = 200_000;

    @TempDir
    Path dir;

    private static long[] sample(Distribution d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] out = new long[N];
        for (int i = 0; i < N; i++) {
            out[i] = d.at(r.nextDouble());
        }
        Arrays.sort(out);
        return out;
    }

    private static double mean(long[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    private ConfigView block(String text) {
        return ExperimentFiles.workload(dir.resolve("exp.conf"), "workload {\n" + text + "\n}\n").getConfig("b");
    }

    private RunContext context() {
        return new RunContext(1, 2, dir);
    }

    @Test
    void theStandardNormalQuantilesAreTheTablesOnes() {
        assertThat(NormalQuantile.of(0.5)).isCloseTo(0, within(1e-6));
        assertThat(NormalQuantile.of(0.975)).isCloseTo(1.959964, within(1e-4));
        assertThat(NormalQuantile.of(0.841345)).isCloseTo(1.0, within(1e-4));
        assertThat(NormalQuantile.of(0.001)).isCloseTo(-3.090232, within(1e-3));
        assertThat(NormalQuantile.of(0)).isEqualTo(-8);
        assertThat(NormalQuantile.of(1)).isEqualTo(8);
    }

    @Test
    void uniformCoversItsRangeEvenly() {
        long[] v = sample(Distributions.size(block("b { distribution = uniform, min = 8, max = 1024 }"), context()), 11);
        assertThat(v[0]).isEqualTo(8);
        assertThat(v[N - 1]).isEqualTo(1024);
        assertThat(mean(v)).isCloseTo(516, within(4.0));
        assertThat(v[N / 4]).isBetween(255L, 267L);
    }

    @Test
    void logNormalHasMedianEToTheMuAndIsClampedToMax() {
        long[] v = sample(Distributions.size(block("b { distribution = log-normal, mu = 5, sigma = 1, max = 4096 }"), context()), 12);
        assertThat(v[N / 2]).as("median e^5 = 148.4").isBetween(145L, 152L);
        // e^(5 + 1.2816) = 534.6 at the 90th percentile
        assertThat(v[N * 9 / 10]).isBetween(522L, 548L);
        assertThat(v[0]).isGreaterThanOrEqualTo(1);
        assertThat(v[N - 1]).isLessThanOrEqualTo(4096);
        long atMax = Arrays.stream(v).filter(x -> x == 4096).count();
        // P(X > 4096) = P(Z > (ln 4096 - 5) / 1 = 3.318) = 0.00045
        assertThat(atMax).isBetween(40L, 150L);
    }

    @Test
    void exponentialLifetimesHaveTheirMean() {
        long[] v = sample(Distributions.lifetime(block("b { distribution = exponential, mean = 1000 }")), 13);
        assertThat(mean(v)).as("ceil adds about half an event").isCloseTo(1000.5, within(10.0));
        assertThat(v[N / 2]).as("median mean ln 2 = 693").isBetween(683L, 704L);
        assertThat(v[0]).isGreaterThanOrEqualTo(1);
    }

    @Test
    void logNormalAndUniformLifetimes() {
        long[] ln = sample(Distributions.lifetime(block("b { distribution = log-normal, mu = 3, sigma = 0.5 }")), 14);
        assertThat(ln[N / 2]).as("median e^3 = 20.1").isBetween(19L, 21L);
        long[] u = sample(Distributions.lifetime(block("b { distribution = uniform, min = 1, max = 99 }")), 15);
        assertThat(mean(u)).isCloseTo(50, within(0.5));
    }

    @Test
    void aHistogramDrawsEachSizeInProportionToItsCount() throws Exception {
        Files.writeString(dir.resolve("sizes.txt"), "# from a trace\n32 50\n\n64 30   # a comment\n4096 20\n128 0\n32 0\n");
        long[] v = sample(Distributions.size(block("b { distribution = histogram, file = sizes.txt }"), context()), 16);
        assertThat(Arrays.stream(v).filter(x -> x == 32).count()).isBetween((long) (0.49 * N), (long) (0.51 * N));
        assertThat(Arrays.stream(v).filter(x -> x == 64).count()).isBetween((long) (0.29 * N), (long) (0.31 * N));
        assertThat(Arrays.stream(v).filter(x -> x == 4096).count()).isBetween((long) (0.19 * N), (long) (0.21 * N));
        assertThat(Arrays.stream(v).filter(x -> x == 128).count()).as("a count of 0 is never drawn").isZero();
    }

    @Test
    void callSiteBandsSplitTheDistributionInOrder() {
        Distribution d = Distributions.size(block("b { distribution = log-normal, mu = 6, sigma = 1, max = 65536 }"), context());
        SplittableRandom r = new SplittableRandom(3);
        int sites = 4;
        long[] maxOf = new long[sites];
        long[] minOf = new long[sites];
        Arrays.fill(minOf, Long.MAX_VALUE);
        for (int i = 0; i < 40_000; i++) {
            int s = i % sites;
            long x = d.at((s + r.nextDouble()) / sites);
            maxOf[s] = Math.max(maxOf[s], x);
            minOf[s] = Math.min(minOf[s], x);
        }
        for (int s = 1; s < sites; s++) {
            assertThat(minOf[s]).as("site %d's sizes start where site %d's end", s, s - 1).isGreaterThanOrEqualTo(maxOf[s - 1]);
        }
        assertThat(maxOf[1]).as("the median e^6 = 403 separates sites 1 and 2").isBetween(395L, 404L);
    }

    @Test
    void histogramFileErrorsNameTheFileAndLine() throws Exception {
        Path exp = dir.resolve("exp.conf");
        Files.writeString(dir.resolve("bad.txt"), "32 10\n64\n");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = histogram, file = bad.txt }"), context()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(exp + ":2: workload.b.file: " + dir.resolve("bad.txt") + ":2: \"64\" (expected: \"size count\", two whole numbers)");
        Files.writeString(dir.resolve("bad.txt"), "# sizes\n32 ten\n");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = histogram, file = bad.txt }"), context()))
                .hasMessageEndingWith("bad.txt:2: count \"ten\" (expected: a whole number, 0 or more)");
        Files.writeString(dir.resolve("bad.txt"), "0 5\n");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = histogram, file = bad.txt }"), context()))
                .hasMessageEndingWith("bad.txt:1: size 0 (expected: 1 or more)");
        Files.writeString(dir.resolve("bad.txt"), "# nothing\n8 0\n");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = histogram, file = bad.txt }"), context()))
                .hasMessageContaining("no sizes with a count above 0");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = histogram, file = missing.txt }"), context()))
                .hasMessageContaining(dir.resolve("missing.txt") + ": cannot read it (NoSuchFileException)");
    }

    @Test
    void badSettingsAreRefusedAtTheirLine() {
        Path exp = dir.resolve("exp.conf");
        assertThatThrownBy(() -> Distributions.size(block("b {\n distribution = uniform\n min = 10\n max = 5\n}"), context()))
                .hasMessage(exp + ":5: workload.b.max: 5 < min 10 (expected: max >= min)");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = exponential, mean = 3 }"), context()))
                .hasMessageContaining("workload.b.distribution: \"exponential\" (expected one of: uniform, log-normal, histogram)");
        assertThatThrownBy(() -> Distributions.lifetime(block("b { distribution = exponential, mean = 0 }")))
                .hasMessageContaining("workload.b.mean: 0.0 (expected: more than 0)");
        assertThatThrownBy(() -> Distributions.size(block("b { distribution = log-normal, mu = 5, sigma = 1 }"), context()))
                .hasMessageContaining("workload.b.max: missing");
    }
}
