package dev.spc.server.loop;

import dev.spc.proto.DoneReason;
import dev.spc.proto.Job;
import dev.spc.proto.JobState;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * ListJobs: a page of jobs matching the request's filters, oldest first or newest first. Job
 * sequences are dense inside a term apart from forgotten jobs, so a page walks them in order,
 * probing the table and skipping from one term's range to the next; a page scans at most
 * {@link #SCAN_LIMIT} sequences, so a rare filter answers a short page (with a token) rather than
 * hold the loop.
 */
final class JobListing {
  static final int SCAN_LIMIT = 100_000;

  private final JobTable jobs;
  private final Function<JobRecord, Job> view;

  JobListing(JobTable jobs, Function<JobRecord, Job> view) {
    this.jobs = jobs;
    this.view = view;
  }

  void list(ListJobsRequest req, Reply<ListJobsResponse> reply) {
    int size = req.getPageSize();
    if (size < 0 || size > JobRequests.MAX_PAGE_SIZE) {
      reply.fail(Failure.invalid(
          "page_size must be between 0 and " + JobRequests.MAX_PAGE_SIZE + ", got " + size));
      return;
    }
    if (size == 0) {
      size = JobRequests.DEFAULT_PAGE_SIZE;
    }
    JobState state = req.getState();
    if (state == JobState.UNRECOGNIZED || state == JobState.JOB_STATE_UNKNOWN) {
      reply.fail(Failure.invalid("state must be PENDING, RUNNING, SCHEDULED, BLOCKED, DONE or"
          + " unspecified, got " + req.getStateValue()));
      return;
    }
    DoneReason reason = req.getDoneReason();
    if (reason == DoneReason.UNRECOGNIZED) {
      reply.fail(Failure.invalid("done_reason is not a known DoneReason: " + req.getDoneReasonValue()));
      return;
    }
    Map<String, String> labels = req.getLabelsMap();
    String badLabels = labels.isEmpty() ? null : Labels.check("labels", labels);
    if (badLabels != null) {
      reply.fail(Failure.invalid(badLabels));
      return;
    }
    boolean newest = req.getNewestFirst();
    long from = newest ? Long.MAX_VALUE : 0;
    if (!req.getPageToken().isEmpty()) {
      try {
        from = Long.parseLong(req.getPageToken());
      } catch (NumberFormatException e) {
        from = -1;
      }
      if (from < 0) {
        reply.fail(Failure.invalid("page_token is malformed: use next_page_token of the previous page"
            + " (with the same newest_first)"));
        return;
      }
    }
    Filter f = new Filter(state, reason, req.getRetriesExhausted(), req.getScheduleId(), req.getType(), labels);
    ListJobsResponse.Builder out = ListJobsResponse.newBuilder();
    List<long[]> ranges = jobs.seqRanges();
    int scanned = 0;
    int taken = 0;
    // A page token is the next sequence to look at, in the page's direction.
    walk:
    for (int r = 0; r < ranges.size(); r++) {
      long[] range = ranges.get(newest ? ranges.size() - 1 - r : r);
      long first = newest ? Math.min(from, range[1] - 1) : Math.max(from, range[0]);
      for (long seq = first; newest ? seq >= range[0] : seq < range[1]; seq += newest ? -1 : 1) {
        if (taken == size || scanned == SCAN_LIMIT) {
          out.setNextPageToken(Long.toString(seq));
          break walk;
        }
        scanned++;
        JobRecord job = jobs.get(seq);
        if (job != null && f.matches(job)) {
          out.addJobs(view.apply(job));
          taken++;
        }
      }
    }
    reply.ok(out.build());
  }

  private record Filter(JobState state, DoneReason reason, boolean dead, String schedule, String type,
      Map<String, String> labels) {
    boolean matches(JobRecord job) {
      return (state == JobState.JOB_STATE_UNSPECIFIED || job.state == state)
          && (reason == DoneReason.DONE_REASON_UNSPECIFIED || (job.isDone() && job.reason == reason))
          && (!dead || JobRequests.exhausted(job))
          && (schedule.isEmpty() || schedule.equals(job.origin.scheduleId()))
          && (type.isEmpty() || type.equals(job.spec.getType()))
          && (labels.isEmpty() || Labels.matches(job.spec.getLabelsMap(), labels));
    }
  }
}
