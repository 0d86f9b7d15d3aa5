package dev.spc.cli;

import dev.spc.client.CoordinatorStats;
import dev.spc.client.SpcClient;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spc stats}: the coordinator's counts at a glance (GetStats). */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "The coordinator's counts: jobs by state and outcome, workers and slots, schedules.")
final class StatsCommand implements Callable<Integer> {
  @Mixin
  Target target;

  @Override
  public Integer call() {
    try (SpcClient spc = target.connect()) {
      CoordinatorStats s = spc.stats();
      PrintStream out = System.out;
      out.printf("jobs       pending %d  running %d  scheduled %d  blocked %d%n", s.pending(),
          s.running(), s.scheduled(), s.blocked());
      out.printf("done       %d: done %d  crashed %d  timeout %d  cancelled %d  expired %d%n",
          s.done(), s.doneDone(), s.doneCrashed(), s.doneTimeout(), s.doneCancelled(), s.doneExpired());
      out.printf("totals     submitted %d  finished %d (done %d)  retries %d%n", s.submittedTotal(),
          s.finishedTotal(), s.finishedDoneTotal(), s.retriesTotal());
      out.printf("workers    %d  slots %d  busy %d  waiters %d%n", s.workers(), s.slots(),
          s.busySlots(), s.waiters());
      out.printf("schedules  %d (%d paused)  fires %d  skips %d%n", s.schedules(),
          s.schedulesPaused(), s.scheduleFiresTotal(), s.scheduleSkipsTotal());
      if (s.accessLevel() != Integer.MIN_VALUE) {
        out.printf("access     jobs below priority %d wait%n", s.accessLevel());
      }
      return ExitCodes.OK;
    }
  }
}
