package org.kmemu.core.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * Runs an experiment on this JVM: its runs in parallel on a pool of threads, each run booting and owning
 * its own machine on its thread, each run's folder written as it ends, then {@code summary.csv} and
 * {@code report.html}. The results do not depend on the number of threads: a run is a function of the
 * experiment file and its {@link RunSpec}, and the summary is written in run order.
 *
 * <p>The pool has at most as many threads as the JVM has processors and as the heap holds machines
 * ({@code Runtime.maxMemory() / Experiment.heapPerRun()}, the {@link org.kmemu.core.machine.HeapBudget}
 * estimate), and at most {@code jobs} when given.
 */
public final class LocalRunner {
    private LocalRunner() {
    }

    /**
     * What a local run did.
     *
     * @param stats   every run's statistics, in run order
     * @param threads the pool's size
     */
    public record Result(List<RunStats> stats, int threads) {
        /** @return how many runs failed */
        public long failed() {
            return stats.stream().filter(s -> !"ok".equals(s.status())).count();
        }
    }

    /**
     * @param runs          the runs to do
     * @param jobs          the most threads asked for ({@code -j}), or 0 for as many as fit
     * @param processors    the processors there are
     * @param maxHeapBytes  the JVM's heap
     * @param heapPerRun    one run's estimated heap
     * @return the pool's size, 1 or more
     */
    static int threads(int runs, int jobs, int processors, long maxHeapBytes, long heapPerRun) {
        long byHeap = Math.max(1, maxHeapBytes / Math.max(1, heapPerRun));
        long n = Math.min(processors, byHeap);
        if (jobs > 0) {
            n = Math.min(jobs, byHeap);
        }
        return (int) Math.max(1, Math.min(n, Math.max(1, runs)));
    }

    /**
     * Runs every run of the plan and writes the output folder.
     *
     * @param e        the experiment
     * @param jobs     the most threads ({@code -j}), or 0 for as many as the processors and heap allow
     * @param progress told of each run's events and end; {@link Progress#NONE} for nothing
     * @return every run's statistics and the pool's size
     */
    public static Result run(Experiment e, int jobs, Progress progress) {
        List<RunSpec> runs = e.runs();
        int threads = threads(runs.size(), jobs, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(),
                e.heapPerRun());
        AtomicInteger id = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kmemu-run-" + id.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        progress.start(runs.size(), threads);
        RunStats[] stats = new RunStats[runs.size()];
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (RunSpec spec : runs) {
                futures.add(pool.submit(() -> {
                    LongConsumer events = new LongConsumer() {
                        private long last;

                        @Override
                        public void accept(long done) {
                            progress.events(done - last);
                            last = done;
                        }
                    };
                    RunOutput out = e.run(spec, events);
                    e.writeRun(out);
                    stats[spec.index()] = out.stats();
                    progress.runDone(out.stats());
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        } catch (ExecutionException ex) {
            // run() turns a run's failure into status=failed: what arrives here is the output folder failing.
            Throwable cause = ex.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
            progress.end();
        }
        List<RunStats> all = List.of(stats);
        e.finish(all);
        return new Result(all, threads);
    }
}
