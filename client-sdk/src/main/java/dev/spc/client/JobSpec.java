package dev.spc.client;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What to run: a type, string arguments, optional payload bytes, a run-time limit, a priority and
 * an optional idempotency key. Immutable; build with {@link #newBuilder(String)}.
 */
public final class JobSpec {
  private final String type;
  private final List<String> args;
  private final byte[] payload;
  private final OptionalInt maxSeconds;
  private final int priority;
  private final String idempotencyKey;
  private final java.util.Map<String, String> env;
  private final String cwd;
  private final @Nullable RetryPolicy retry;
  private final java.time.@Nullable Duration startAfter;
  private final java.time.@Nullable Instant startAt;
  private final java.time.@Nullable Duration expireAfter;
  private final java.util.Map<String, String> labels;
  private final List<JobId> dependsOn;
  private final DependencyFailure onDependencyFailure;
  private final String concurrencyKey;
  private final java.util.Map<String, String> constraints;
  private final String traceparent;
  private final String tracestate;
  /** The wire form, built once: one spec is often submitted many times. */
  private volatile dev.spc.proto.@Nullable JobSpec wire;

  private JobSpec(Builder b) {
    this.type = b.type;
    this.args = List.copyOf(b.args);
    this.payload = b.payload.clone();
    this.maxSeconds = b.maxSeconds;
    this.priority = b.priority;
    this.idempotencyKey = b.idempotencyKey;
    this.env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(b.env));
    this.cwd = b.cwd;
    this.retry = b.retry;
    this.startAfter = b.startAfter;
    this.startAt = b.startAt;
    this.expireAfter = b.expireAfter;
    this.labels = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(b.labels));
    this.dependsOn = List.copyOf(b.dependsOn);
    this.onDependencyFailure = b.onDependencyFailure;
    this.concurrencyKey = b.concurrencyKey;
    this.constraints = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(b.constraints));
    this.traceparent = b.traceparent;
    this.tracestate = b.tracestate;
  }

  /** A spec of this type with no arguments. */
  public static JobSpec of(String type, String... args) {
    return newBuilder(type).args(args).build();
  }

  public static Builder newBuilder(String type) {
    return new Builder(type);
  }

  public Builder toBuilder() {
    return new Builder(type).args(args).payload(payload).priority(priority)
        .idempotencyKey(idempotencyKey).maxSecondsOrDefault(maxSeconds).env(env).cwd(cwd)
        .retry(retry).startAfter(startAfter).startAt(startAt).expireAfter(expireAfter).labels(labels)
        .dependsOn(dependsOn).onDependencyFailure(onDependencyFailure).concurrencyKey(concurrencyKey)
        .constraints(constraints).traceContext(traceparent, tracestate);
  }

  /** The wire form, built on first use. */
  dev.spc.proto.JobSpec toProto() {
    dev.spc.proto.JobSpec w = wire;
    if (w == null) {
      dev.spc.proto.JobSpec.Builder b = dev.spc.proto.JobSpec.newBuilder()
          .setType(type)
          .addAllArgs(args)
          .setPriority(priority)
          .setIdempotencyKey(idempotencyKey)
          .putAllEnv(env)
          .putAllLabels(labels)
          .putAllConstraints(constraints)
          .setConcurrencyKey(concurrencyKey)
          .setTraceparent(traceparent)
          .setTracestate(tracestate)
          .setCwd(cwd);
      dependsOn.forEach(d -> b.addDependsOn(d.value()));
      if (onDependencyFailure == DependencyFailure.RUN) {
        b.setOnDependencyFailure(dev.spc.proto.DependencyFailure.DEPENDENCY_FAILURE_RUN);
      }
      if (payload.length > 0) {
        b.setPayload(com.google.protobuf.ByteString.copyFrom(payload));
      }
      maxSeconds.ifPresent(b::setMaxSeconds);
      if (retry != null) {
        b.setRetry(retry.toProto());
      }
      if (startAfter != null) {
        b.setStartAfter(Wire.duration(startAfter));
      }
      if (startAt != null) {
        b.setStartAt(Wire.timestamp(startAt));
      }
      if (expireAfter != null) {
        b.setExpireAfter(Wire.duration(expireAfter));
      }
      w = b.build();
      wire = w;
    }
    return w;
  }

  public String type() {
    return type;
  }

  public List<String> args() {
    return args;
  }

  public byte[] payload() {
    return payload.clone();
  }

  /** The run time allowed; empty means the coordinator's default. */
  public OptionalInt maxSeconds() {
    return maxSeconds;
  }

  public int priority() {
    return priority;
  }

  /** Empty when none was given. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** For exec jobs: environment variables added to the agent's. */
  public java.util.Map<String, String> env() {
    return env;
  }

  /** Labels to find and act on the job by (list, cancel many at once). */
  public java.util.Map<String, String> labels() {
    return labels;
  }

  /** The jobs it waits for: it is BLOCKED until they are done. */
  public List<JobId> dependsOn() {
    return dependsOn;
  }

  /** What a dependency that ends other than DONE does to it. */
  public DependencyFailure onDependencyFailure() {
    return onDependencyFailure;
  }

  /** Empty when none: jobs with the same key run at most N at once (N 1 unless set). */
  public String concurrencyKey() {
    return concurrencyKey;
  }

  /** The W3C traceparent the job carries ("" for none: the submit's own header, if any, applies). */
  public String traceparent() {
    return traceparent;
  }

  public String tracestate() {
    return tracestate;
  }

  /** The labels a worker must have to run it ("*": present with any value). */
  public java.util.Map<String, String> constraints() {
    return constraints;
  }

  /** For exec jobs: the working directory; empty for the agent's. */
  public String cwd() {
    return cwd;
  }

  /** Its retry policy; null for the coordinator's default. */
  public @Nullable RetryPolicy retry() {
    return retry;
  }

  /** Not started before this long after submission; null to start when a slot is free. */
  public java.time.@Nullable Duration startAfter() {
    return startAfter;
  }

  /** Not started before this time; null to start when a slot is free. */
  public java.time.@Nullable Instant startAt() {
    return startAt;
  }

  /** Ends EXPIRED if its first attempt has not started this long after submission; null: never. */
  public java.time.@Nullable Duration expireAfter() {
    return expireAfter;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JobSpec s && type.equals(s.type) && args.equals(s.args)
        && Arrays.equals(payload, s.payload) && maxSeconds.equals(s.maxSeconds)
        && priority == s.priority && idempotencyKey.equals(s.idempotencyKey)
        && env.equals(s.env) && cwd.equals(s.cwd) && Objects.equals(retry, s.retry)
        && Objects.equals(startAfter, s.startAfter) && Objects.equals(startAt, s.startAt)
        && Objects.equals(expireAfter, s.expireAfter) && labels.equals(s.labels)
        && dependsOn.equals(s.dependsOn) && onDependencyFailure == s.onDependencyFailure
        && concurrencyKey.equals(s.concurrencyKey) && constraints.equals(s.constraints)
        && traceparent.equals(s.traceparent) && tracestate.equals(s.tracestate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, args, Arrays.hashCode(payload), maxSeconds, priority, idempotencyKey);
  }

  @Override
  public String toString() {
    return "JobSpec{type=" + type + ", args=" + args + ", payload=" + payload.length + " bytes"
        + (maxSeconds.isPresent() ? ", maxSeconds=" + maxSeconds.getAsInt() : "")
        + (priority != 0 ? ", priority=" + priority : "")
        + (idempotencyKey.isEmpty() ? "" : ", idempotencyKey=" + idempotencyKey)
        + (retry != null ? ", retry=" + retry : "")
        + (startAfter != null ? ", startAfter=" + startAfter : "")
        + (startAt != null ? ", startAt=" + startAt : "")
        + (expireAfter != null ? ", expireAfter=" + expireAfter : "")
        + (labels.isEmpty() ? "" : ", labels=" + labels)
        + (dependsOn.isEmpty() ? "" : ", dependsOn=" + dependsOn + ", onDependencyFailure=" + onDependencyFailure)
        + (concurrencyKey.isEmpty() ? "" : ", concurrencyKey=" + concurrencyKey)
        + (constraints.isEmpty() ? "" : ", constraints=" + constraints) + "}";
  }

  /**
   * Builder for {@link JobSpec}. Checks what it can locally; the coordinator checks the limits
   * (payload 1 MiB, args 64 KiB, max seconds 7 days by default) and names the field it refuses.
   */
  public static final class Builder {
    private final String type;
    private List<String> args = List.of();
    private byte[] payload = new byte[0];
    private OptionalInt maxSeconds = OptionalInt.empty();
    private int priority;
    private String idempotencyKey = "";
    private java.util.Map<String, String> env = java.util.Map.of();
    private java.util.Map<String, String> labels = java.util.Map.of();
    private String cwd = "";
    private @Nullable RetryPolicy retry;
    private java.time.@Nullable Duration startAfter;
    private java.time.@Nullable Instant startAt;
    private java.time.@Nullable Duration expireAfter;
    private List<JobId> dependsOn = List.of();
    private DependencyFailure onDependencyFailure = DependencyFailure.CANCEL;
    private String concurrencyKey = "";
    private java.util.Map<String, String> constraints = java.util.Map.of();
    private String traceparent = "";
    private String tracestate = "";

    private Builder(String type) {
      if (type == null || type.isEmpty()) {
        throw new IllegalArgumentException("type must not be empty");
      }
      this.type = type;
    }

    public Builder args(String... args) {
      return args(Arrays.asList(args));
    }

    public Builder args(List<String> args) {
      for (String a : args) {
        Objects.requireNonNull(a, "args must not contain null");
      }
      this.args = List.copyOf(args);
      return this;
    }

    public Builder payload(byte[] payload) {
      this.payload = Objects.requireNonNull(payload, "payload").clone();
      return this;
    }

    /** Run time allowed once started: 0 times out at once. */
    public Builder maxSeconds(int seconds) {
      if (seconds < 0) {
        throw new IllegalArgumentException("maxSeconds must not be negative, got " + seconds);
      }
      this.maxSeconds = OptionalInt.of(seconds);
      return this;
    }

    private Builder maxSecondsOrDefault(OptionalInt s) {
      this.maxSeconds = s;
      return this;
    }

    /** Higher runs first (default 0). */
    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    /** A submit whose key the coordinator already saw returns the first job's id. */
    public Builder idempotencyKey(String key) {
      this.idempotencyKey = Objects.requireNonNull(key, "idempotencyKey");
      return this;
    }

    /** For exec jobs: environment variables added to the agent's. */
    public Builder env(java.util.Map<String, String> env) {
      this.env = java.util.Map.copyOf(env);
      return this;
    }

    /**
     * Labels (at most 32; keys 1-63 characters of [A-Za-z0-9._/-], values at most 255), to find
     * the job by ({@link JobQuery#withLabel}) or cancel it with others ({@link JobSelector}).
     */
    public Builder labels(java.util.Map<String, String> labels) {
      this.labels = java.util.Map.copyOf(labels);
      return this;
    }

    /** One more label. */
    public Builder label(String key, String value) {
      this.labels = plus(labels, key, value);
      return this;
    }

    private static java.util.Map<String, String> plus(java.util.Map<String, String> map, String key, String value) {
      java.util.Map<String, String> m = new java.util.HashMap<>(map);
      m.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return m;
    }

    /** For exec jobs: the working directory on the agent. */
    public Builder cwd(String cwd) {
      this.cwd = Objects.requireNonNull(cwd, "cwd");
      return this;
    }

    /** How failed attempts are retried; null for the coordinator's default (no retry unless set). */
    public Builder retry(@Nullable RetryPolicy policy) {
      this.retry = policy;
      return this;
    }

    /** Start no sooner than this long after submission (at most 366 days). Clears startAt. */
    public Builder startAfter(java.time.@Nullable Duration delay) {
      if (delay != null && delay.isNegative()) {
        throw new IllegalArgumentException("startAfter must not be negative, got " + delay);
      }
      this.startAfter = delay;
      if (delay != null) {
        this.startAt = null;
      }
      return this;
    }

    /** Start no sooner than this time (at most 366 days ahead). Clears startAfter. */
    public Builder startAt(java.time.@Nullable Instant time) {
      this.startAt = time;
      if (time != null) {
        this.startAfter = null;
      }
      return this;
    }

    /** End EXPIRED if the first attempt has not started this long after submission. */
    public Builder expireAfter(java.time.@Nullable Duration limit) {
      if (limit != null && limit.isNegative()) {
        throw new IllegalArgumentException("expireAfter must not be negative, got " + limit);
      }
      this.expireAfter = limit;
      return this;
    }

    /**
     * Jobs to wait for (at most 100): the job is BLOCKED until they are done. Jobs of the same
     * batch are named with {@link Batch.Node#after}.
     */
    public Builder dependsOn(List<JobId> ids) {
      this.dependsOn = List.copyOf(ids);
      return this;
    }

    public Builder dependsOn(JobId... ids) {
      return dependsOn(Arrays.asList(ids));
    }

    /** CANCEL (default): a dependency that fails cancels this job; RUN: it runs anyway. */
    public Builder onDependencyFailure(DependencyFailure policy) {
      this.onDependencyFailure = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * At most N jobs with this key run at once across all workers: 1 (a mutex) unless set with
     * {@link AdminClient#setConcurrencyLimit}. Empty for none.
     */
    public Builder concurrencyKey(String key) {
      this.concurrencyKey = Objects.requireNonNull(key, "concurrencyKey");
      return this;
    }

    /** Run only on workers whose labels match all of these ("*": the label is present). */
    public Builder constraints(java.util.Map<String, String> constraints) {
      this.constraints = java.util.Map.copyOf(constraints);
      return this;
    }

    /** One more constraint. */
    public Builder constraint(String label, String value) {
      this.constraints = plus(constraints, label, value);
      return this;
    }

    /**
     * The W3C trace context to hand to the job's handler (https://www.w3.org/TR/trace-context/):
     * {@code 00-<trace id>-<parent id>-<flags>} and its tracestate ("" for none). Without it the
     * coordinator takes the submit call's own traceparent header, which OpenTelemetry's gRPC
     * instrumentation sends.
     */
    public Builder traceContext(String traceparent, String tracestate) {
      this.traceparent = Objects.requireNonNull(traceparent, "traceparent");
      this.tracestate = Objects.requireNonNull(tracestate, "tracestate");
      return this;
    }

    public JobSpec build() {
      return new JobSpec(this);
    }
  }
}
