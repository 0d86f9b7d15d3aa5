package dev.spc.client;

import dev.spc.client.internal.Convert;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A job's events as a blocking iteration (see {@link SpcClient#watch(JobId)}). Not thread-safe;
 * {@link #close()} stops the watch from any thread.
 */
public final class JobWatch implements Iterator<JobEvent>, AutoCloseable {
  private final Iterator<dev.spc.proto.JobEvent> it;
  private final Context.CancellableContext ctx;

  JobWatch(Iterator<dev.spc.proto.JobEvent> it, Context.CancellableContext ctx) {
    this.it = it;
    this.ctx = ctx;
  }

  @Override
  public boolean hasNext() {
    try {
      return it.hasNext();
    } catch (StatusRuntimeException e) {
      throw SpcException.from(e);
    }
  }

  @Override
  public JobEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    try {
      return convert(it.next());
    } catch (StatusRuntimeException e) {
      throw SpcException.from(e);
    }
  }

  @Override
  public void close() {
    ctx.cancel(null);
  }

  static JobEvent convert(dev.spc.proto.JobEvent e) {
    Instant at = e.hasAt() ? Instant.ofEpochSecond(e.getAt().getSeconds(), e.getAt().getNanos()) : null;
    return switch (e.getKindCase()) {
      case STATE -> new JobEvent(at, JobEvent.Kind.STATE, Convert.fromProto(e.getState()), 0, "", 0, "");
      case PROGRESS -> new JobEvent(at, JobEvent.Kind.PROGRESS, null, e.getProgress().getFraction(),
          e.getProgress().getMessage(), 0, "");
      case LOG_LINE -> new JobEvent(at, JobEvent.Kind.LOG, null, 0, e.getLogLine(), 0, e.getStream());
      default -> new JobEvent(at, JobEvent.Kind.SKIPPED, null, 0, "", e.getSkipped(), "");
    };
  }

  /** The blocking watch of {@link SpcClient#watch(JobId, boolean)}: the call runs in its own context. */
  static JobWatch open(dev.spc.proto.JobServiceGrpc.JobServiceBlockingStub stub, JobId id, boolean follow) {
    Context.CancellableContext ctx = Context.current().withCancellation();
    Iterator<dev.spc.proto.JobEvent> it;
    Context previous = ctx.attach();
    try {
      it = stub.watchJob(dev.spc.proto.WatchJobRequest.newBuilder().setJobId(id.value()).setFollow(follow).build());
    } finally {
      ctx.detach(previous);
    }
    return new JobWatch(it, ctx);
  }

  /** The background watch of {@link SpcClient#watch(JobId, java.util.function.Consumer)}. */
  static java.util.concurrent.CompletableFuture<JobStatus> inBackground(
      dev.spc.proto.JobServiceGrpc.JobServiceStub stub, JobId id,
      java.util.function.Consumer<JobEvent> listener) {
    java.util.concurrent.CompletableFuture<JobStatus> done = new java.util.concurrent.CompletableFuture<>();
    JobStatus[] last = new JobStatus[1];
    stub.watchJob(dev.spc.proto.WatchJobRequest.newBuilder()
        .setJobId(id.value()).setFollow(true).build(),
        new io.grpc.stub.ClientResponseObserver<dev.spc.proto.WatchJobRequest, dev.spc.proto.JobEvent>() {
          @Override
          public void beforeStart(io.grpc.stub.ClientCallStreamObserver<dev.spc.proto.WatchJobRequest> call) {
            var unused = done.whenComplete((v, e) -> {
              if (done.isCancelled()) {
                call.cancel("watch cancelled", null);
              }
            });
          }

          @Override
          public void onNext(dev.spc.proto.JobEvent e) {
            JobEvent ev = convert(e);
            if (ev.status() != null) {
              last[0] = ev.status();
            }
            listener.accept(ev);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(SpcException.from(t));
          }

          @Override
          public void onCompleted() {
            done.complete(last[0]);
          }
        });
    return done;
  }
}
