package dev.spc.client.internal;

import dev.spc.client.SpcException;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobSpec;
import dev.spc.proto.SubmitEachJobRequest;
import dev.spc.proto.SubmitEachJobResponse;
import dev.spc.proto.SubmitJobRequest;
import dev.spc.proto.SubmitJobResponse;
import dev.spc.proto.SubmitOutcome;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Single submits made close together, sent together. A submit made while fewer than
 * {@link #MAX_IN_FLIGHT} calls are out goes at once, alone, as a SubmitJob: nothing waits for
 * company. The submits made while they are out queue, and when a call comes back the next one
 * takes what queued (up to {@link #MAX_JOBS} jobs and {@link #MAX_BYTES} bytes of specs) as one
 * SubmitEachJob, in which each job is still accepted or refused on its own, as its SubmitJob
 * would have been. So a light load sees single calls, and a heavy one pays for a call per group
 * rather than per job: the busier the coordinator, the larger the groups.
 *
 * <p>A coordinator that does not know SubmitEachJob (UNIMPLEMENTED) gets single SubmitJobs from
 * then on; one that refuses a group whole as too large (RESOURCE_EXHAUSTED: over its message
 * limit; a full queue is an outcome per job) gets that group's jobs singly.
 */
public final class SubmitCoalescer {
  /** Calls out at once; more would only make the groups smaller. */
  static final int MAX_IN_FLIGHT = 2;
  static final int MAX_JOBS = 1000;
  static final int MAX_BYTES = 1 << 20;

  /** The two calls it makes, each answering as the SDK's calls do (failures as SpcExceptions). */
  public interface Sender {
    CompletableFuture<String> one(JobSpec spec);

    CompletableFuture<SubmitEachJobResponse> each(SubmitEachJobRequest request);
  }

  private record Item(JobSpec spec, CompletableFuture<String> id) {}

  private final Sender sender;
  private final boolean together;
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private int inFlight;
  private volatile boolean eachUnknown;

  /** With {@code together} false, every submit is a SubmitJob of its own. */
  public SubmitCoalescer(Sender sender, boolean together) {
    this.sender = sender;
    this.together = together;
  }

  /** Calls through the stubs {@code stub} gives (one a call: each with its deadline). */
  public static SubmitCoalescer over(Supplier<JobServiceGrpc.JobServiceFutureStub> stub, boolean together) {
    return new SubmitCoalescer(new Sender() {
      @Override
      public CompletableFuture<String> one(JobSpec spec) {
        return Calls.call(stub.get().submitJob(SubmitJobRequest.newBuilder().setJob(spec).build()),
            SubmitJobResponse::getJobId);
      }

      @Override
      public CompletableFuture<SubmitEachJobResponse> each(SubmitEachJobRequest request) {
        return Calls.call(stub.get().submitEachJob(request), r -> r);
      }
    }, together);
  }

  /** Submits {@code spec}; completes with its id, or with the SpcException its SubmitJob would give. */
  public CompletableFuture<String> submit(JobSpec spec) {
    if (!together || eachUnknown) {
      return sender.one(spec);
    }
    Item item = new Item(spec, new CompletableFuture<>());
    List<Item> group;
    synchronized (this) {
      queue.add(item);
      if (inFlight >= MAX_IN_FLIGHT) {
        return item.id();
      }
      inFlight++;
      group = take();
    }
    send(group);
    return item.id();
  }

  /** The next group from the head of the queue; the caller holds the lock. */
  private List<Item> take() {
    List<Item> group = new ArrayList<>(Math.min(queue.size(), MAX_JOBS));
    long bytes = 0;
    while (!queue.isEmpty() && group.size() < MAX_JOBS) {
      Item head = queue.peekFirst();
      int size = head.spec().getSerializedSize();
      if (!group.isEmpty() && bytes + size > MAX_BYTES) {
        break;
      }
      group.add(queue.pollFirst());
      bytes += size;
    }
    return group;
  }

  private void send(List<Item> group) {
    CompletableFuture<?> call = group.size() == 1 || eachUnknown ? singly(group) : together(group);
    var unused = call.whenComplete((r, e) -> next());
  }

  /** Sends what queued meanwhile, or frees the call's place. */
  private void next() {
    List<Item> group;
    synchronized (this) {
      if (queue.isEmpty()) {
        inFlight--;
        return;
      }
      group = take();
    }
    send(group);
  }

  private CompletableFuture<?> singly(List<Item> group) {
    CompletableFuture<?>[] calls = new CompletableFuture<?>[group.size()];
    for (int i = 0; i < calls.length; i++) {
      Item item = group.get(i);
      calls[i] = sender.one(item.spec()).whenComplete((id, e) -> {
        if (e == null) {
          item.id().complete(id);
        } else {
          item.id().completeExceptionally(unwrap(e));
        }
      });
    }
    return CompletableFuture.allOf(calls).handle((r, e) -> r);
  }

  private CompletableFuture<?> together(List<Item> group) {
    SubmitEachJobRequest.Builder req = SubmitEachJobRequest.newBuilder();
    for (Item item : group) {
      req.addJobs(item.spec());
    }
    return sender.each(req.build()).handle((resp, e) -> {
      if (e != null) {
        Throwable cause = unwrap(e);
        if (cause instanceof SpcException s && s.code() == Status.Code.UNIMPLEMENTED) {
          eachUnknown = true;
          return singly(group);
        }
        if (cause instanceof SpcException s && s.code() == Status.Code.RESOURCE_EXHAUSTED) {
          return singly(group); // a coordinator taking smaller messages: each job as its SubmitJob
        }
        group.forEach(item -> item.id().completeExceptionally(cause));
      } else if (resp.getOutcomesCount() != group.size()) {
        SpcException wrong = SpcException.from(Status.INTERNAL.withDescription("the coordinator answered "
            + resp.getOutcomesCount() + " outcomes for " + group.size() + " jobs").asRuntimeException());
        group.forEach(item -> item.id().completeExceptionally(wrong));
      } else {
        for (int i = 0; i < group.size(); i++) {
          SubmitOutcome o = resp.getOutcomes(i);
          if (o.getCode() == 0) {
            group.get(i).id().complete(o.getJobId());
          } else {
            group.get(i).id().completeExceptionally(SpcException.from(
                Status.fromCodeValue(o.getCode()).withDescription(o.getMessage()).asRuntimeException()));
          }
        }
      }
      return CompletableFuture.completedFuture(null);
    }).thenCompose(f -> f);
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
