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
      case STATE -> new JobEvent(at, JobEvent.Kind.STATE, Convert.fromProto(e.getState()), 0, "", 0);
      case PROGRESS -> new JobEvent(at, JobEvent.Kind.PROGRESS, null, e.getProgress().getFraction(),
          e.getProgress().getMessage(), 0);
      case LOG_LINE -> new JobEvent(at, JobEvent.Kind.LOG, null, 0, e.getLogLine(), 0);
      default -> new JobEvent(at, JobEvent.Kind.SKIPPED, null, 0, "", e.getSkipped());
    };
  }
}
