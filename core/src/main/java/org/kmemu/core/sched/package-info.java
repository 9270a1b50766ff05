/**
 * Who is running: tasks ({@link org.kmemu.core.sched.Task}), their pids
 * ({@link org.kmemu.core.sched.PidMap}), each CPU's {@code current} and the context switch
 * ({@link org.kmemu.core.sched.Scheduler}).
 *
 * <p>kmemu models what memory management needs to know about tasks and nothing more: a pid and a
 * comm for reports and traces, an mm (or none, for kernel threads) whose page-table root a CPU loads
 * when it switches to the task, and the rule that a task runs on one CPU at a time. There is no run
 * queue and no time slicing: whoever drives a CPU (a workload, a test) switches it to a task
 * explicitly, as {@code schedule()} would have picked it.
 */
package org.kmemu.core.sched;
