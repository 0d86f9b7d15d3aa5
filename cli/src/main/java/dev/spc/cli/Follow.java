package dev.spc.cli;

import dev.spc.client.JobEvent;
import dev.spc.client.JobId;
import dev.spc.client.JobStatus;
import dev.spc.client.JobWatch;
import dev.spc.client.SpcClient;
import dev.spc.client.SpcException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows one job to its end: its log lines on stdout as they come, a progress bar on stderr
 * (redrawn in place on a terminal, a line per 10 % otherwise), and the final state.
 */
final class Follow {
  private Follow() {}

  /** Returns the done job, or throws {@link SpcException} (DeadlineExceeded after {@code timeout}). */
  static JobStatus job(SpcClient spc, JobId id, Duration timeout, boolean logs) {
    PrintStream err = System.err;
    boolean tty = Terminal.isInteractive();
    JobStatus last = null;
    int lastPct = -100;
    boolean barShown = false;
    ScheduledExecutorService timer = null;
    boolean[] timedOut = new boolean[1];
    try (JobWatch watch = spc.watch(id)) {
      if (timeout != null) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true).unstarted(r));
        var unused = timer.schedule(() -> {
          timedOut[0] = true;
          watch.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
      while (watch.hasNext()) {
        JobEvent e = watch.next();
        switch (e.kind()) {
          case STATE -> last = e.status();
          case LOG -> {
            if (logs) {
              if (barShown && tty) {
                err.print("\r\033[2K");
                barShown = false;
              }
              (e.isStderr() ? System.err : System.out).println(e.text());
            }
          }
          case PROGRESS -> {
            int pct = (int) Math.round(e.progress() * 100);
            if (tty) {
              err.print("\r\033[2K" + bar(e.progress()) + String.format(Locale.ROOT, " %3d%% ", pct)
                  + Format.printable(e.text(), 50));
              barShown = true;
            } else if (pct >= lastPct + 10 || (pct == 100 && lastPct != 100)) {
              err.println(String.format(Locale.ROOT, "progress %d%% %s", pct, e.text()).stripTrailing());
              lastPct = pct;
            }
          }
          case SKIPPED -> err.println("[" + e.skipped() + " events skipped: output too fast to show]");
        }
      }
    } catch (SpcException.Cancelled e) {
      if (timedOut[0]) {
        throw SpcException.from(io.grpc.Status.DEADLINE_EXCEEDED
            .withDescription("job " + id + " not done within " + dev.spc.common.Durations.format(timeout))
            .asRuntimeException());
      }
      throw e;
    } finally {
      if (timer != null) {
        timer.shutdownNow();
      }
      if (barShown) {
        err.println();
      }
    }
    if (last == null || !last.isDone()) {
      last = spc.await(id, timeout); // the watch ended early (coordinator restart): wait on
    }
    return last;
  }

  static String bar(double fraction) {
    int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * 30);
    return "[" + "#".repeat(filled) + ".".repeat(30 - filled) + "]";
  }
}
