package dev.spc.server.loop;

import com.google.protobuf.Duration;
import dev.spc.proto.DoneReason;
import dev.spc.proto.JobSpec;
import dev.spc.proto.RetryPolicy;
import java.util.List;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A job's retry policy as the coordinator applies it: defaults filled in, the backoff before each
 * attempt, and whether an outcome is retried. Pure functions of the spec, the configuration and
 * an injected random source, so the rules are unit tests.
 */
final class Retries {
  static final long DEFAULT_INITIAL_MS = 1_000;
  static final long DEFAULT_MAX_MS = 300_000;
  static final double DEFAULT_MULTIPLIER = 2.0;
  static final double DEFAULT_JITTER = 0.2;
  /** The longest backoff a policy may ask for (a year, as for start times). */
  static final long MAX_BACKOFF_MS = 366L * 24 * 3600 * 1000;
  static final List<DoneReason> DEFAULT_RETRY_ON =
      List.of(DoneReason.DONE_REASON_CRASHED, DoneReason.DONE_REASON_TIMEOUT);

  private Retries() {}

  /** The attempts {@code spec} may have in all. */
  static int maxAttempts(JobSpec spec, CoordinatorConfig cfg) {
    int n = spec.hasRetry() ? spec.getRetry().getMaxAttempts() : 0;
    return n > 0 ? n : cfg.defaultMaxAttempts();
  }

  /** Whether an attempt of {@code spec} that ended for {@code reason} is retried, attempts left. */
  static boolean retriesOn(JobSpec spec, DoneReason reason) {
    if (reason == DoneReason.DONE_REASON_CANCELLED || reason == DoneReason.DONE_REASON_EXPIRED
        || reason == DoneReason.DONE_REASON_DONE) {
      return false;
    }
    List<DoneReason> on = spec.getRetry().getRetryOnList();
    return (on.isEmpty() ? DEFAULT_RETRY_ON : on).contains(reason);
  }

  /** A process exit code the policy says is a final failure. */
  static boolean finalExitCode(JobSpec spec, @Nullable Integer exitCode) {
    return exitCode != null && spec.getRetry().getNonRetryableExitCodesList().contains(exitCode);
  }

  /**
   * The wait, in milliseconds, after attempt {@code finished} (from 1) before the next one:
   * initial x multiplier^(finished-1), capped, moved at random by up to the jitter either way,
   * and never beyond the cap.
   */
  static long backoffMillis(RetryPolicy p, int finished, RandomGenerator random) {
    long initial = p.hasInitialBackoff() ? millis(p.getInitialBackoff()) : DEFAULT_INITIAL_MS;
    long max = p.hasMaxBackoff() ? millis(p.getMaxBackoff()) : Math.max(DEFAULT_MAX_MS, initial);
    double multiplier = p.hasBackoffMultiplier() ? p.getBackoffMultiplier() : DEFAULT_MULTIPLIER;
    double jitter = p.hasJitter() ? p.getJitter() : DEFAULT_JITTER;
    double base = (double) initial * Math.pow(multiplier, Math.max(0, finished - 1));
    double capped = Math.min(base, (double) max);
    double moved = capped * (1 + jitter * (2 * random.nextDouble() - 1));
    return Math.max(0, Math.min(max, Math.round(moved)));
  }

  static long millis(Duration d) {
    return d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
  }

  /** The problem with a spec's policy, prefixed by {@code field}, or null. */
  static @Nullable String check(String field, RetryPolicy p, CoordinatorConfig cfg) {
    String f = field + ".retry.";
    if (p.getMaxAttempts() < 0 || p.getMaxAttempts() > cfg.maxAttemptsLimit()) {
      return f + "max_attempts must be between 0 and " + cfg.maxAttemptsLimit() + ", got "
          + p.getMaxAttempts();
    }
    for (String name : List.of("initial_backoff", "max_backoff")) {
      boolean initial = name.equals("initial_backoff");
      if (!(initial ? p.hasInitialBackoff() : p.hasMaxBackoff())) {
        continue;
      }
      String bad = durationProblem(f + name, initial ? p.getInitialBackoff() : p.getMaxBackoff(),
          MAX_BACKOFF_MS);
      if (bad != null) {
        return bad;
      }
    }
    if (p.hasInitialBackoff() && p.hasMaxBackoff()
        && millis(p.getMaxBackoff()) < millis(p.getInitialBackoff())) {
      return f + "max_backoff must not be shorter than initial_backoff";
    }
    if (p.hasBackoffMultiplier()
        && !(p.getBackoffMultiplier() >= 1 && p.getBackoffMultiplier() <= 100)) {
      return f + "backoff_multiplier must be between 1 and 100, got " + p.getBackoffMultiplier();
    }
    if (p.hasJitter() && !(p.getJitter() >= 0 && p.getJitter() <= 1)) {
      return f + "jitter must be between 0 and 1, got " + p.getJitter();
    }
    for (int i = 0; i < p.getRetryOnCount(); i++) {
      DoneReason r = p.getRetryOn(i);
      if (r != DoneReason.DONE_REASON_CRASHED && r != DoneReason.DONE_REASON_TIMEOUT) {
        return f + "retry_on[" + i + "] must be DONE_REASON_CRASHED or DONE_REASON_TIMEOUT, got "
            + (r == DoneReason.UNRECOGNIZED ? p.getRetryOnValue(i) : r);
      }
    }
    if (p.getNonRetryableExitCodesCount() > 256) {
      return f + "non_retryable_exit_codes has " + p.getNonRetryableExitCodesCount()
          + " codes, limit 256";
    }
    return null;
  }

  /** The problem with a duration field (negative, malformed, or over {@code maxMs}), or null. */
  static @Nullable String durationProblem(String field, Duration d, long maxMs) {
    if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() > 999_999_999) {
      return field + " must not be negative, got " + d.getSeconds() + "s " + d.getNanos() + "ns";
    }
    if (d.getSeconds() > maxMs / 1000) {
      return field + " must be at most " + maxMs / 1000 + "s, got " + d.getSeconds() + "s";
    }
    return null;
  }

  /** Adds the attempt that just ended to the job's list of attempts. */
  static void recordAttempt(JobRecord job, dev.spc.proto.DoneReason reason, String error, java.time.Instant now) {
    dev.spc.proto.JobAttempt.Builder a = dev.spc.proto.JobAttempt.newBuilder()
        .setAttempt(job.attempt).setWorker(job.worker).setDoneReason(reason).setError(error)
        .setFinishedAt(Views.ts(now));
    if (job.startedAt != null) {
      a.setStartedAt(Views.ts(job.startedAt));
    }
    if (job.out().exitCode != null) {
      a.setExitCode(job.out().exitCode);
    }
    if (job.attempts == null) {
      job.attempts = new java.util.ArrayList<>(2);
    }
    job.attempts.add(a.build());
  }
}
