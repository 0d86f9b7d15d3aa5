package dev.spc.client;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Which jobs {@link SpcClient#find(JobQuery, int, String)} returns: all of them, or those in one
 * state, those that ended for one reason, or the dead set (failed for good, no attempt left).
 *
 * @param state only jobs in this state; null for every state
 * @param doneReason only done jobs that ended for this reason; empty for any
 * @param retriesExhausted only jobs that failed for good after their last allowed attempt
 * @param scheduleId only jobs made by this schedule; empty for any
 * @param type only jobs of this type; empty for any
 * @param labels only jobs carrying every one of these labels with these values ("*": any value)
 * @param newestFirst the latest submitted first, instead of in submission order
 */
public record JobQuery(@Nullable JobState state, Optional<DoneReason> doneReason,
    boolean retriesExhausted, Optional<String> scheduleId, Optional<String> type,
    java.util.Map<String, String> labels, boolean newestFirst) {
  public JobQuery {
    labels = java.util.Map.copyOf(labels);
  }

  /** In submission order. */
  public JobQuery(@Nullable JobState state, Optional<DoneReason> doneReason,
      boolean retriesExhausted, Optional<String> scheduleId, Optional<String> type,
      java.util.Map<String, String> labels) {
    this(state, doneReason, retriesExhausted, scheduleId, type, labels, false);
  }

  /** This query, newest first (page tokens are only good with the order they came from). */
  public JobQuery latestFirst() {
    return new JobQuery(state, doneReason, retriesExhausted, scheduleId, type, labels, true);
  }

  /** Without a schedule, a type or labels. */
  public JobQuery(@Nullable JobState state, Optional<DoneReason> doneReason, boolean retriesExhausted) {
    this(state, doneReason, retriesExhausted, Optional.empty(), Optional.empty(), java.util.Map.of());
  }

  /** This query, narrowed to jobs of {@code type}. */
  public JobQuery ofType(String type) {
    return new JobQuery(state, doneReason, retriesExhausted, scheduleId, Optional.of(type), labels, newestFirst);
  }

  /** This query, narrowed to jobs also carrying this label with this value ("*": any value). */
  public JobQuery withLabel(String key, String value) {
    java.util.Map<String, String> m = new java.util.HashMap<>(labels);
    m.put(key, value);
    return new JobQuery(state, doneReason, retriesExhausted, scheduleId, type, m, newestFirst);
  }

  /** The jobs schedule {@code scheduleId} made. */
  public static JobQuery madeBy(String scheduleId) {
    return all().madeBySchedule(scheduleId);
  }

  /** This query, narrowed to the jobs schedule {@code id} made. */
  public JobQuery madeBySchedule(String id) {
    return new JobQuery(state, doneReason, retriesExhausted, Optional.of(id), type, labels, newestFirst);
  }

  /** Every job. */
  public static JobQuery all() {
    return new JobQuery(null, Optional.empty(), false);
  }

  /** Jobs in {@code state}. */
  public static JobQuery inState(JobState state) {
    return new JobQuery(state, Optional.empty(), false);
  }

  /** Done jobs that ended for {@code reason}. */
  public static JobQuery endedFor(DoneReason reason) {
    return new JobQuery(JobState.DONE, Optional.of(reason), false);
  }

  /** The dead set: jobs that failed for good with no attempt left, to look at or re-run. */
  public static JobQuery dead() {
    return new JobQuery(JobState.DONE, Optional.empty(), true);
  }

  /** The ListJobs request for one page of this query. */
  dev.spc.proto.ListJobsRequest toRequest(int pageSize, @Nullable String pageToken) {
    dev.spc.proto.ListJobsRequest.Builder req = dev.spc.proto.ListJobsRequest.newBuilder().setPageSize(pageSize)
        .setPageToken(pageToken == null ? "" : pageToken).setRetriesExhausted(retriesExhausted())
        .setNewestFirst(newestFirst());
    JobState state = state();
    if (state != null) {
      req.setState(dev.spc.client.internal.Convert.toProto(state));
    }
    doneReason().ifPresent(r -> req.setDoneReason(dev.spc.client.internal.Convert.toProto(r)));
    scheduleId().ifPresent(req::setScheduleId);
    type().ifPresent(req::setType);
    req.putAllLabels(labels());
    return req.build();
  }
}
