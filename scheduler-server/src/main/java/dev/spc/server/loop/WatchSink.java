package dev.spc.server.loop;

import dev.spc.proto.JobEvent;
import org.jspecify.annotations.Nullable;

/**
 * One watcher of a job. Only the loop calls it; implementations never block: a watcher that
 * falls behind queues a bounded number of events and then skips (and says how many).
 */
public interface WatchSink {
  void offer(JobEvent event);

  /** Ends the watch after what was offered: normally if {@code failure} is null. */
  void end(@Nullable Failure failure);

  /** The transport can take more: send what is queued. */
  default void drain() {}
}
