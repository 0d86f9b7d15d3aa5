package dev.spc.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How a job is tried again when an attempt fails: up to {@code maxAttempts} attempts in all,
 * waiting {@code initialBackoff} before the second and multiplying the wait by
 * {@code multiplier} each time up to {@code maxBackoff}, each wait moved at random by up to
 * {@code jitter} of itself. The job keeps its id; it is {@link JobState#SCHEDULED} while it waits.
 * Unset values take the coordinator's defaults (1 s, 5 min, 2.0, 0.2, CRASHED and TIMEOUT).
 *
 * <pre>{@code
 * JobSpec.newBuilder("email").retry(RetryPolicy.attempts(5).backoff(Duration.ofSeconds(1),
 *     Duration.ofMinutes(5)).build()).build();
 * }</pre>
 */
public final class RetryPolicy {
  private final int maxAttempts;
  private final @Nullable Duration initialBackoff;
  private final @Nullable Duration maxBackoff;
  private final @Nullable Double multiplier;
  private final @Nullable Double jitter;
  private final Set<DoneReason> retryOn;
  private final List<Integer> nonRetryableExitCodes;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.multiplier = b.multiplier;
    this.jitter = b.jitter;
    this.retryOn = b.retryOn.isEmpty() ? Set.of() : Set.copyOf(b.retryOn);
    this.nonRetryableExitCodes = List.copyOf(b.nonRetryableExitCodes);
  }

  /** A policy of {@code maxAttempts} attempts in all (1: no retry). */
  public static Builder attempts(int maxAttempts) {
    return new Builder().maxAttempts(maxAttempts);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** Attempts in all; 0 for the coordinator's default. */
  public int maxAttempts() {
    return maxAttempts;
  }

  public @Nullable Duration initialBackoff() {
    return initialBackoff;
  }

  public @Nullable Duration maxBackoff() {
    return maxBackoff;
  }

  public @Nullable Double multiplier() {
    return multiplier;
  }

  public @Nullable Double jitter() {
    return jitter;
  }

  /** The outcomes retried; empty for the default (CRASHED and TIMEOUT). */
  public Set<DoneReason> retryOn() {
    return retryOn;
  }

  /** For exec jobs: exit codes that are final failures. */
  public List<Integer> nonRetryableExitCodes() {
    return nonRetryableExitCodes;
  }

  dev.spc.proto.RetryPolicy toProto() {
    dev.spc.proto.RetryPolicy.Builder b = dev.spc.proto.RetryPolicy.newBuilder()
        .setMaxAttempts(maxAttempts).addAllNonRetryableExitCodes(nonRetryableExitCodes);
    if (initialBackoff != null) {
      b.setInitialBackoff(Wire.duration(initialBackoff));
    }
    if (maxBackoff != null) {
      b.setMaxBackoff(Wire.duration(maxBackoff));
    }
    if (multiplier != null) {
      b.setBackoffMultiplier(multiplier);
    }
    if (jitter != null) {
      b.setJitter(jitter);
    }
    for (DoneReason r : retryOn) {
      b.addRetryOn(switch (r) {
        case TIMEOUT -> dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT;
        case CRASHED -> dev.spc.proto.DoneReason.DONE_REASON_CRASHED;
        default -> throw new IllegalStateException("checked by the builder: " + r);
      });
    }
    return b.build();
  }

  /** From the wire form (the SDK reads specs back with it). */
  public static RetryPolicy fromProto(dev.spc.proto.RetryPolicy p) {
    Builder b = new Builder().maxAttempts(p.getMaxAttempts());
    if (p.hasInitialBackoff()) {
      b.initialBackoff = Wire.duration(p.getInitialBackoff());
    }
    if (p.hasMaxBackoff()) {
      b.maxBackoff = Wire.duration(p.getMaxBackoff());
    }
    if (p.hasBackoffMultiplier()) {
      b.multiplier = p.getBackoffMultiplier();
    }
    if (p.hasJitter()) {
      b.jitter = p.getJitter();
    }
    for (dev.spc.proto.DoneReason r : p.getRetryOnList()) {
      if (r == dev.spc.proto.DoneReason.DONE_REASON_TIMEOUT) {
        b.retryOn.add(DoneReason.TIMEOUT);
      } else if (r == dev.spc.proto.DoneReason.DONE_REASON_CRASHED) {
        b.retryOn.add(DoneReason.CRASHED);
      }
    }
    b.nonRetryableExitCodes = p.getNonRetryableExitCodesList();
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy r && maxAttempts == r.maxAttempts
        && Objects.equals(initialBackoff, r.initialBackoff) && Objects.equals(maxBackoff, r.maxBackoff)
        && Objects.equals(multiplier, r.multiplier) && Objects.equals(jitter, r.jitter)
        && retryOn.equals(r.retryOn) && nonRetryableExitCodes.equals(r.nonRetryableExitCodes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, maxBackoff, multiplier, jitter, retryOn);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts
        + (initialBackoff != null ? ", initialBackoff=" + initialBackoff : "")
        + (maxBackoff != null ? ", maxBackoff=" + maxBackoff : "")
        + (multiplier != null ? ", multiplier=" + multiplier : "")
        + (jitter != null ? ", jitter=" + jitter : "")
        + (retryOn.isEmpty() ? "" : ", retryOn=" + retryOn) + "}";
  }

  /** Builder for {@link RetryPolicy}; the coordinator checks its limits and names the field. */
  public static final class Builder {
    private int maxAttempts;
    private @Nullable Duration initialBackoff;
    private @Nullable Duration maxBackoff;
    private @Nullable Double multiplier;
    private @Nullable Double jitter;
    private final Set<DoneReason> retryOn = EnumSet.noneOf(DoneReason.class);
    private List<Integer> nonRetryableExitCodes = List.of();

    private Builder() {}

    /** Attempts in all: 1 is no retry (at most the coordinator's limit, 100 by default). */
    public Builder maxAttempts(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxAttempts must not be negative, got " + n);
      }
      this.maxAttempts = n;
      return this;
    }

    /** The first wait and the longest one. */
    public Builder backoff(Duration initial, Duration max) {
      if (initial.isNegative() || max.isNegative() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial
            + ".." + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Each wait is the previous one times this (at least 1; default 2.0). */
    public Builder multiplier(double m) {
      if (!(m >= 1)) {
        throw new IllegalArgumentException("multiplier must be at least 1, got " + m);
      }
      this.multiplier = m;
      return this;
    }

    /** The fraction of each wait it may move by, either way (0 to 1; default 0.2). */
    public Builder jitter(double fraction) {
      if (!(fraction >= 0 && fraction <= 1)) {
        throw new IllegalArgumentException("jitter must be between 0 and 1, got " + fraction);
      }
      this.jitter = fraction;
      return this;
    }

    /** The outcomes to retry: CRASHED, TIMEOUT or both (default both). */
    public Builder retryOn(DoneReason... reasons) {
      for (DoneReason r : reasons) {
        if (r != DoneReason.CRASHED && r != DoneReason.TIMEOUT) {
          throw new IllegalArgumentException("only CRASHED and TIMEOUT can be retried, got " + r);
        }
      }
      retryOn.clear();
      retryOn.addAll(Arrays.asList(reasons));
      return this;
    }

    /** For exec jobs: a process exiting with one of these codes has failed for good. */
    public Builder nonRetryableExitCodes(int... codes) {
      this.nonRetryableExitCodes = Arrays.stream(codes).boxed().toList();
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
