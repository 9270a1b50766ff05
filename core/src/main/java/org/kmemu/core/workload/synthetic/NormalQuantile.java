package org.kmemu.core.workload.synthetic;

/**
 * The standard normal distribution's quantile function (the inverse of its CDF), from a table: the
 * CDF is integrated once, with the trapezoid rule, from the density on [-8, 8] in steps of 1/256
 * (4097 points; the tails beyond hold less than 1e-15), and a quantile is found by binary search and
 * linear interpolation between two points. Accurate to about 1e-5 in z, far below what a size or a
 * lifetime rounded to a whole number can show; deterministic, since it uses {@link StrictMath} only.
 */
final class NormalQuantile {
    private static final double LO = -8;
    private static final int STEPS_PER_UNIT = 256;
    private static final int POINTS = 16 * STEPS_PER_UNIT + 1;
    private static final double[] CDF = table();

    private NormalQuantile() {
    }

    private static double[] table() {
        double h = 1.0 / STEPS_PER_UNIT;
        double[] cdf = new double[POINTS];
        double prev = density(LO);
        for (int i = 1; i < POINTS; i++) {
            double d = density(LO + i * h);
            cdf[i] = cdf[i - 1] + (prev + d) * h / 2;
            prev = d;
        }
        double total = cdf[POINTS - 1];
        for (int i = 0; i < POINTS; i++) {
            cdf[i] /= total;
        }
        return cdf;
    }

    private static double density(double z) {
        return StrictMath.exp(-z * z / 2) / StrictMath.sqrt(2 * StrictMath.PI);
    }

    /**
     * @param u a probability in [0, 1]
     * @return z with Phi(z) = u, within [-8, 8]
     */
    static double of(double u) {
        if (u <= 0) {
            return LO;
        }
        if (u >= 1) {
            return -LO;
        }
        int lo = 0;
        int hi = POINTS - 1;
        while (hi - lo > 1) { // CDF[lo] <= u < CDF[hi]
            int mid = (lo + hi) >>> 1;
            if (CDF[mid] <= u) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double span = CDF[hi] - CDF[lo];
        double frac = span > 0 ? (u - CDF[lo]) / span : 0;
        return LO + (lo + frac) / STEPS_PER_UNIT;
    }
}
