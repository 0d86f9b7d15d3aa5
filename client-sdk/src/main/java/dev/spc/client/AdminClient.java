package dev.spc.client;

import dev.spc.client.internal.CallRetries;
import dev.spc.client.internal.Calls;
import dev.spc.proto.AdminServiceGrpc;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Operators' controls of a coordinator, from {@link SpcClient#admin()}: they need the operator
 * role. Shares the client's channel, credentials and timeouts.
 */
public final class AdminClient {
  /** The access level that admits every job. */
  public static final int OPEN = Integer.MIN_VALUE;

  private final AdminServiceGrpc.AdminServiceFutureStub stub;
  private final java.time.Duration callTimeout;
  private final CallRetries retries;

  AdminClient(AdminServiceGrpc.AdminServiceFutureStub stub, java.time.Duration callTimeout,
      CallRetries retries) {
    this.stub = stub;
    this.callTimeout = callTimeout;
    this.retries = retries;
  }

  /**
   * From now on no job with a priority below {@code level} starts (they wait, saying why; {@link
   * #OPEN} admits all again); with {@code interrupt}, the running ones below it end CANCELLED at
   * once. Survives a restart. Returns how many running jobs were interrupted.
   */
  public long setAccessLevel(int level, boolean interrupt) {
    return Calls.join(setAccessLevelAsync(level, interrupt));
  }

  public CompletableFuture<Long> setAccessLevelAsync(int level, boolean interrupt) {
    var req = dev.spc.proto.SetAccessLevelRequest.newBuilder().setLevel(level).setInterrupt(interrupt).build();
    return retries.read(() -> Calls.call(stub.withDeadlineAfter(callTimeout.toMillis(),
        TimeUnit.MILLISECONDS).setAccessLevel(req), r -> r.getInterrupted()));
  }

  /**
   * How many jobs with {@code key} ({@link JobSpec.Builder#concurrencyKey}) may run at once,
   * across all workers (1, a mutex, is the default). Raising it starts waiting jobs at once;
   * lowering it lets running ones finish. Survives a restart.
   */
  public Limits.Concurrency setConcurrencyLimit(String key, int limit) {
    var req = dev.spc.proto.SetConcurrencyLimitRequest.newBuilder().setKey(key).setLimit(limit).build();
    return Calls.join(retries.read(() -> Calls.call(stub.withDeadlineAfter(callTimeout.toMillis(),
        TimeUnit.MILLISECONDS).setConcurrencyLimit(req), Limits::fromProto)));
  }

  /**
   * Limits how fast jobs of {@code type} start, across all workers: a token bucket refilled at
   * {@code perSecond} holding at most {@code burst} (0: perSecond rounded up). Survives a restart.
   */
  public Limits.Rate setRateLimit(String type, double perSecond, int burst) {
    return rate(dev.spc.proto.SetRateLimitRequest.newBuilder().setType(type).setPerSecond(perSecond)
        .setBurst(burst).build());
  }

  /** Removes the rate limit of {@code type}. */
  public void removeRateLimit(String type) {
    rate(dev.spc.proto.SetRateLimitRequest.newBuilder().setType(type).setRemove(true).build());
  }

  private Limits.Rate rate(dev.spc.proto.SetRateLimitRequest req) {
    return Calls.join(retries.read(() -> Calls.call(stub.withDeadlineAfter(callTimeout.toMillis(),
        TimeUnit.MILLISECONDS).setRateLimit(req), Limits::fromProto)));
  }

  /** The concurrency and rate limits in force, with what each holds now. */
  public Limits limits() {
    return Calls.join(retries.read(() -> Calls.call(stub.withDeadlineAfter(callTimeout.toMillis(),
        TimeUnit.MILLISECONDS).listLimits(dev.spc.proto.ListLimitsRequest.getDefaultInstance()),
        r -> new Limits(r.getConcurrencyList().stream().map(Limits::fromProto).toList(),
            r.getRatesList().stream().map(Limits::fromProto).toList()))));
  }
}
