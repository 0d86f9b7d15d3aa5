package dev.spc.worker.builtin;

import dev.spc.worker.JobCancelledException;
import dev.spc.worker.JobContext;
import dev.spc.worker.JobFailedException;
import dev.spc.worker.JobHandler;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job types every agent has: {@code sleep}, {@code fail}, {@code flaky}, {@code spin},
 * {@code echo}, {@code noop}.
 */
public final class Builtins {
  private Builtins() {}

  public static Map<String, JobHandler> all() {
    Map<String, JobHandler> m = new LinkedHashMap<>();
    m.put("sleep", Builtins::sleep);
    m.put("fail", Builtins::fail);
    m.put("flaky", Builtins::flaky);
    m.put("spin", Builtins::spin);
    m.put("echo", Builtins::echo);
    m.put("noop", ctx -> {});
    return m;
  }

  /** Sleeps args[0] seconds (fractions allowed); stops early when cancelled. */
  static void sleep(JobContext ctx) throws InterruptedException {
    Duration d = seconds(ctx, "sleep", true);
    long start = System.nanoTime();
    long total = Math.max(1, d.toNanos());
    while (true) {
      long left = total - (System.nanoTime() - start);
      if (left <= 0) {
        ctx.progress(1.0, "slept " + ctx.args().get(0) + "s");
        return;
      }
      ctx.progress((double) (total - left) / total, "sleeping");
      if (ctx.awaitCancellation(Duration.ofNanos(Math.min(left, 100_000_000L)))) {
        throw new JobCancelledException("cancelled while sleeping");
      }
    }
  }

  /** Throws with args[0] as the message. */
  static void fail(JobContext ctx) {
    throw new JobFailedException(ctx.args().isEmpty() ? "failed on purpose" : ctx.args().get(0));
  }

  /**
   * Fails its first args[0] attempts (default 1), then succeeds: a job to watch retries with.
   * args[1], if given, is the error text.
   */
  static void flaky(JobContext ctx) {
    int failures;
    try {
      failures = ctx.args().isEmpty() ? 1 : Integer.parseInt(ctx.args().get(0));
    } catch (NumberFormatException e) {
      throw JobFailedException.nonRetryable("flaky: args[0] must be a number of attempts to fail,"
          + " got '" + ctx.args().get(0) + "'");
    }
    if (ctx.attempt() <= failures) {
      throw new JobFailedException((ctx.args().size() > 1 ? ctx.args().get(1) : "flaky failure")
          + " (attempt " + ctx.attempt() + " of " + ctx.maxAttempts() + ")");
    }
    ctx.setResult("succeeded on attempt " + ctx.attempt());
  }

  /**
   * Busy-loops for args[0] seconds, or forever without an argument, ignoring interrupts and
   * cancellation: a job that cannot be stopped from inside the JVM.
   */
  static void spin(JobContext ctx) {
    Duration d = ctx.args().isEmpty() ? null : seconds(ctx, "spin", false);
    long end = d == null ? Long.MAX_VALUE : System.nanoTime() + d.toNanos();
    long x = 0;
    while (d == null || System.nanoTime() - end < 0) {
      x += System.nanoTime() & 1;
      Thread.interrupted(); // deliberately swallowed
      Thread.onSpinWait();
    }
    ctx.setResult("spun " + x);
  }

  /** Result is the args joined by spaces. */
  static void echo(JobContext ctx) {
    ctx.setResult(String.join(" ", ctx.args()));
  }

  private static Duration seconds(JobContext ctx, String type, boolean required) {
    if (ctx.args().isEmpty()) {
      if (required) {
        throw new JobFailedException(type + ": args[0] must be a number of seconds, got nothing");
      }
      return Duration.ZERO;
    }
    String s = ctx.args().get(0);
    try {
      BigDecimal secs = new BigDecimal(s.trim());
      if (secs.signum() < 0 || secs.compareTo(BigDecimal.valueOf(604800)) > 0) {
        throw new NumberFormatException();
      }
      return Duration.ofNanos(secs.movePointRight(9).longValue());
    } catch (NumberFormatException e) {
      throw new JobFailedException(
          type + ": args[0] must be a number of seconds between 0 and 604800, got '" + s + "'");
    }
  }
}
