package dev.spc.server.loop;

import dev.spc.common.Durations;
import java.time.Duration;

/**
 * The coordinator's settings and limits. Built with {@link #newBuilder()}; every setter checks
 * its value and names it when refusing.
 */
public final class CoordinatorConfig {
  public static final int MAX_SECONDS_LIMIT = 7 * 24 * 3600;

  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;
  private final int maxPayloadBytes;
  private final int maxArgsBytes;
  private final int maxSeconds;
  private final int defaultMaxSeconds;
  private final int maxPendingJobs;
  private final int maxBatchSize;
  private final int maxInboundMessageBytes;
  private final int maxDoneJobs;
  private final Duration maxDoneAge;
  private final Duration reconnectGrace;
  private final int defaultMaxAttempts;
  private final int maxAttemptsLimit;
  private final long epoch;

  private CoordinatorConfig(Builder b) {
    this.heartbeatInterval = b.heartbeatInterval;
    this.heartbeatTimeout = b.heartbeatTimeout;
    this.maxPayloadBytes = b.maxPayloadBytes;
    this.maxArgsBytes = b.maxArgsBytes;
    this.maxSeconds = b.maxSeconds;
    this.defaultMaxSeconds = b.defaultMaxSeconds;
    this.maxPendingJobs = b.maxPendingJobs;
    this.maxBatchSize = b.maxBatchSize;
    this.maxInboundMessageBytes = b.maxInboundMessageBytes;
    this.maxDoneJobs = b.maxDoneJobs;
    this.maxDoneAge = b.maxDoneAge;
    this.reconnectGrace = b.reconnectGrace;
    this.defaultMaxAttempts = b.defaultMaxAttempts;
    this.maxAttemptsLimit = b.maxAttemptsLimit;
    this.epoch = b.epoch;
  }

  private CoordinatorConfig(CoordinatorConfig c, long epoch) {
    this.heartbeatInterval = c.heartbeatInterval;
    this.heartbeatTimeout = c.heartbeatTimeout;
    this.maxPayloadBytes = c.maxPayloadBytes;
    this.maxArgsBytes = c.maxArgsBytes;
    this.maxSeconds = c.maxSeconds;
    this.defaultMaxSeconds = c.defaultMaxSeconds;
    this.maxPendingJobs = c.maxPendingJobs;
    this.maxBatchSize = c.maxBatchSize;
    this.maxInboundMessageBytes = c.maxInboundMessageBytes;
    this.maxDoneJobs = c.maxDoneJobs;
    this.maxDoneAge = c.maxDoneAge;
    this.reconnectGrace = c.reconnectGrace;
    this.defaultMaxAttempts = c.defaultMaxAttempts;
    this.maxAttemptsLimit = c.maxAttemptsLimit;
    this.epoch = epoch;
  }

  /**
   * This configuration for a leader elected in {@code epoch} (positive): its lease ids derive from
   * the epoch instead of the start time, and agents are told the epoch when they register.
   */
  public CoordinatorConfig withEpoch(long epoch) {
    if (epoch <= 0 || epoch >= 1L << 23) {
      throw new IllegalArgumentException("epoch must be between 1 and 2^23, got " + epoch);
    }
    return new CoordinatorConfig(this, epoch);
  }

  /** The leadership epoch, 0 for a coordinator that runs alone. */
  public long epoch() {
    return epoch;
  }

  public Duration maxDoneAge() {
    return maxDoneAge;
  }

  public Duration reconnectGrace() {
    return reconnectGrace;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public static CoordinatorConfig defaults() {
    return newBuilder().build();
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  public int maxArgsBytes() {
    return maxArgsBytes;
  }

  public int maxSeconds() {
    return maxSeconds;
  }

  public int defaultMaxSeconds() {
    return defaultMaxSeconds;
  }

  public int maxPendingJobs() {
    return maxPendingJobs;
  }

  public int maxBatchSize() {
    return maxBatchSize;
  }

  public int maxInboundMessageBytes() {
    return maxInboundMessageBytes;
  }

  public int maxDoneJobs() {
    return maxDoneJobs;
  }

  /** Attempts of a job whose spec does not say (1: no retry). */
  public int defaultMaxAttempts() {
    return defaultMaxAttempts;
  }

  /** The most attempts a spec may ask for. */
  public int maxAttemptsLimit() {
    return maxAttemptsLimit;
  }

  /** Builder for {@link CoordinatorConfig}. */
  public static final class Builder {
    private Duration heartbeatInterval = Duration.ofSeconds(1);
    private Duration heartbeatTimeout = Duration.ofSeconds(3);
    private int maxPayloadBytes = 1 << 20;
    private int maxArgsBytes = 64 << 10;
    private int maxSeconds = MAX_SECONDS_LIMIT;
    private int defaultMaxSeconds = 3600;
    private int maxPendingJobs = 1_000_000;
    private int maxBatchSize = 100_000;
    private int maxInboundMessageBytes = 4 << 20;
    private int maxDoneJobs = 1_000_000;
    private Duration maxDoneAge = Duration.ofDays(7);
    private Duration reconnectGrace = Duration.ofSeconds(10);
    private int defaultMaxAttempts = 1;
    private int maxAttemptsLimit = 100;
    private long epoch;

    private Builder() {}

    /** How long done jobs are kept (default 7 days). */
    public Builder maxDoneAge(Duration age) {
      requireBetween("max done age", age, Duration.ofSeconds(1), Duration.ofDays(3650));
      this.maxDoneAge = age;
      return this;
    }

    /**
     * After a restart, how long agents have to reconnect and report the leases they still run
     * before those jobs end CRASHED (default 10s). Agents cut off for longer stop their jobs.
     */
    public Builder reconnectGrace(Duration grace) {
      requireBetween("reconnect grace", grace, Duration.ofMillis(100), Duration.ofHours(1));
      this.reconnectGrace = grace;
      return this;
    }

    /** Done jobs kept for status and wait; the oldest beyond this are forgotten (default 1,000,000). */
    public Builder maxDoneJobs(int n) {
      this.maxDoneJobs = requirePositive("max done jobs", n);
      return this;
    }

    /** How often agents send heartbeats: 10ms to 60s (default 1s). */
    public Builder heartbeatInterval(Duration d) {
      requireBetween("heartbeat interval", d, Duration.ofMillis(10), Duration.ofSeconds(60));
      this.heartbeatInterval = d;
      return this;
    }

    /** Silence after which a worker is lost: 30ms to 10m (default 3s), more than the interval. */
    public Builder heartbeatTimeout(Duration d) {
      requireBetween("heartbeat timeout", d, Duration.ofMillis(30), Duration.ofMinutes(10));
      this.heartbeatTimeout = d;
      return this;
    }

    public Builder maxPayloadBytes(int n) {
      this.maxPayloadBytes = requirePositive("max payload bytes", n);
      return this;
    }

    public Builder maxArgsBytes(int n) {
      this.maxArgsBytes = requirePositive("max args bytes", n);
      return this;
    }

    /** The largest max_seconds a job may ask for: 1 to 604800 (7 days, the default). */
    public Builder maxSeconds(int n) {
      if (n < 1 || n > MAX_SECONDS_LIMIT) {
        throw new IllegalArgumentException(
            "max seconds must be between 1 and " + MAX_SECONDS_LIMIT + ", got " + n);
      }
      this.maxSeconds = n;
      return this;
    }

    /** max_seconds for a job that does not say (default 3600). */
    public Builder defaultMaxSeconds(int n) {
      if (n < 1 || n > MAX_SECONDS_LIMIT) {
        throw new IllegalArgumentException(
            "default max seconds must be between 1 and " + MAX_SECONDS_LIMIT + ", got " + n);
      }
      this.defaultMaxSeconds = n;
      return this;
    }

    /** Pending jobs held before submits get RESOURCE_EXHAUSTED (default 1,000,000). */
    public Builder maxPendingJobs(int n) {
      this.maxPendingJobs = requirePositive("max pending jobs", n);
      return this;
    }

    /** Attempts of a job whose spec does not say (default 1: no retry). */
    public Builder defaultMaxAttempts(int n) {
      this.defaultMaxAttempts = requirePositive("default max attempts", n);
      return this;
    }

    /** The most attempts a spec may ask for (default 100). */
    public Builder maxAttemptsLimit(int n) {
      this.maxAttemptsLimit = requirePositive("max attempts limit", n);
      return this;
    }

    public Builder maxBatchSize(int n) {
      this.maxBatchSize = requirePositive("max batch size", n);
      return this;
    }

    public Builder maxInboundMessageBytes(int n) {
      this.maxInboundMessageBytes = requirePositive("max inbound message bytes", n);
      return this;
    }

    public CoordinatorConfig build() {
      if (defaultMaxAttempts > maxAttemptsLimit) {
        throw new IllegalArgumentException("default max attempts (" + defaultMaxAttempts
            + ") must not exceed the max attempts limit (" + maxAttemptsLimit + ")");
      }
      if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
        throw new IllegalArgumentException("heartbeat timeout must be longer than the interval ("
            + Durations.format(heartbeatInterval) + "), got " + Durations.format(heartbeatTimeout));
      }
      if (defaultMaxSeconds > maxSeconds) {
        throw new IllegalArgumentException("default max seconds (" + defaultMaxSeconds
            + ") must not exceed max seconds (" + maxSeconds + ")");
      }
      return new CoordinatorConfig(this);
    }

    private static void requireBetween(String what, Duration d, Duration min, Duration max) {
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(what + " must be between " + Durations.format(min)
            + " and " + Durations.format(max) + ", got " + Durations.format(d));
      }
    }

    private static int requirePositive(String what, int n) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be positive, got " + n);
      }
      return n;
    }
  }
}
