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
}
