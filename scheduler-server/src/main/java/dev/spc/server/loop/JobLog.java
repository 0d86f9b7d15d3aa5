package dev.spc.server.loop;

import dev.spc.proto.JobEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A job's recent events (progress and log lines) and its watchers. Bounded: the oldest events go
 * first. One copy of each event, whatever the number of watchers.
 */
final class JobLog {
  static final int MAX_EVENTS = 1000;

  final ArrayDeque<JobEvent> events = new ArrayDeque<>();
  final List<Watch> watchers = new ArrayList<>(1);

  record Watch(long id, WatchSink sink) {}

  void add(JobEvent e) {
    if (events.size() == MAX_EVENTS) {
      events.pollFirst();
    }
    events.addLast(e);
    for (Watch w : watchers) {
      w.sink().offer(e);
    }
  }
}
