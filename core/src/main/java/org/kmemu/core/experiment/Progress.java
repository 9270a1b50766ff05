package org.kmemu.core.experiment;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the local runner tells the user while it runs, on stderr:
 * <ul>
 *   <li>{@link #terminal}: one line, rewritten in place twice a second ({@code \r}): runs done of all,
 *       events per second over the last interval, time left (from the runs done so far); a failed run's
 *       error on a line of its own;</li>
 *   <li>{@link #quiet}: a failed run's error only; also what {@code kmemu experiment} uses when stderr
 *       is not a terminal (a pipe, a log, a test), so that those see errors and nothing else;</li>
 *   <li>{@link #NONE}: nothing.</li>
 * </ul>
 * Called from the runs' threads.
 */
public abstract class Progress {
    /** Says nothing. */
    public static final Progress NONE = new Progress() {
    };

    /** Constructor for subclasses. */
    protected Progress() {
    }

    /**
     * @param runs    runs in the plan
     * @param threads runs at once
     */
    public void start(int runs, int threads) {
    }

    /** @param n workload events done since the last call, on a run's thread */
    public void events(long n) {
    }

    /** @param stats a run that ended, on its thread */
    public void runDone(RunStats stats) {
    }

    /** The last run ended. */
    public void end() {
    }

    /**
     * @param err stderr
     * @return errors only
     */
    public static Progress quiet(PrintWriter err) {
        return new Counting(err, false);
    }

    /**
     * @param err stderr, a terminal
     * @return the updating line
     */
    public static Progress terminal(PrintWriter err) {
        return new Counting(err, true);
    }

    /** The two that count. */
    private static final class Counting extends Progress {
        private final PrintWriter err;
        private final boolean live;
        private final LongAdder events = new LongAdder();
        private final AtomicInteger done = new AtomicInteger();
        private int total;
        private long started;
        private long lastEvents;
        private long lastNanos;
        private int width;
        private ScheduledExecutorService ticker;

        Counting(PrintWriter err, boolean live) {
            this.err = err;
            this.live = live;
        }

        @Override
        public void start(int runs, int threads) {
            total = runs;
            started = System.nanoTime();
            lastNanos = started;
            if (live) {
                ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "kmemu-progress");
                    t.setDaemon(true);
                    return t;
                });
                ticker.scheduleAtFixedRate(this::tick, 500, 500, TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void events(long n) {
            events.add(n);
        }

        @Override
        public synchronized void runDone(RunStats s) {
            done.incrementAndGet();
            boolean failed = !"ok".equals(s.status());
            if (failed) {
                clear();
                err.println("kmemu: experiment: " + s.name() + " " + s.point() + " failed: " + s.error());
            }
            err.flush();
        }

        private synchronized void tick() {
            long now = System.nanoTime();
            long ev = events.sum();
            double rate = (ev - lastEvents) / Math.max(1e-9, (now - lastNanos) / 1e9);
            lastEvents = ev;
            lastNanos = now;
            int d = done.get();
            String left = d == 0 ? "--:--" : clock((now - started) / 1e9 / d * (total - d));
            String line = String.format("kmemu: experiment: %d/%d runs, %s events/s, %s left", d, total, human(rate), left);
            err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
            err.flush();
        }

        private void clear() {
            if (live && width > 0) {
                err.print("\r" + " ".repeat(width) + "\r");
                width = 0;
            }
        }

        @Override
        public synchronized void end() {
            if (ticker != null) {
                ticker.shutdownNow();
            }
            clear();
            err.flush();
        }

        private static String human(double rate) {
            if (rate >= 1e6) {
                return String.format("%.1f M", rate / 1e6);
            }
            if (rate >= 1e3) {
                return String.format("%.1f k", rate / 1e3);
            }
            return String.format("%.0f", rate);
        }

        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return String.format("%d:%02d", s / 60, s % 60);
        }
    }
}
