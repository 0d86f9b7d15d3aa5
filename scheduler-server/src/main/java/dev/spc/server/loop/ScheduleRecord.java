package dev.spc.server.loop;

import dev.spc.proto.CatchupPolicy;
import dev.spc.proto.OverlapPolicy;
import dev.spc.proto.Schedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One schedule as the loop holds it. Mutable, loop thread only. */
final class ScheduleRecord {
  final String id;
  /** What the user set, with the read-only fields the store keeps (created_at, last_job_id...). */
  Schedule spec;
  FireTimes times;
  /** Fire times up to here are dealt with; the next fire is the first after it. */
  Instant cursor;
  /** The next fire time while armed (not paused, not deleted), else null. */
  @Nullable Instant nextFire;
  /** A fire kept by OVERLAP_POLICY_BUFFER until the jobs before it are done. */
  @Nullable Instant buffered;
  /** Jobs it made that are not done yet, oldest first. */
  final List<JobRecord> active = new ArrayList<>(1);
  long fires;
  long skips;

  ScheduleRecord(String id, Schedule spec, FireTimes times, Instant cursor) {
    this.id = id;
    this.spec = spec;
    this.times = times;
    this.cursor = cursor;
  }

  OverlapPolicy overlap() {
    OverlapPolicy p = spec.getOverlap();
    return p == OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED ? OverlapPolicy.OVERLAP_POLICY_SKIP : p;
  }

  CatchupPolicy catchup() {
    CatchupPolicy p = spec.getCatchup();
    return p == CatchupPolicy.CATCHUP_POLICY_UNSPECIFIED ? CatchupPolicy.CATCHUP_POLICY_SKIP : p;
  }

  int catchupLimit() {
    return spec.getCatchupLimit() == 0 ? Schedules.DEFAULT_CATCHUP_LIMIT : spec.getCatchupLimit();
  }
}
