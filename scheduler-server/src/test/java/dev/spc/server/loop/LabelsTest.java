package dev.spc.server.loop;

import static dev.spc.proto.DoneReason.DONE_REASON_CANCELLED;
import static dev.spc.proto.JobState.JOB_STATE_DONE;
import static dev.spc.proto.JobState.JOB_STATE_PENDING;
import static dev.spc.proto.JobState.JOB_STATE_RUNNING;
import static dev.spc.proto.JobState.JOB_STATE_SCHEDULED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spc.proto.Job;
import dev.spc.proto.JobSelector;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Labels on jobs, finding jobs by them, and cancelling many at once. */
class LabelsTest {
  final Harness h = new Harness();

  static JobSpec labelled(String type, int priority, String... kv) {
    JobSpec.Builder b = JobSpec.newBuilder().setType(type).setPriority(priority);
    for (int i = 0; i < kv.length; i += 2) {
      b.putLabels(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  List<String> ids(ListJobsRequest.Builder req) {
    Captured<ListJobsResponse> r = new Captured<>();
    h.feed(new Msg.ListJobs(req.build(), r));
    return r.get().getJobsList().stream().map(Job::getJobId).toList();
  }

  Captured<Long> cancel(JobSelector.Builder selector) {
    Captured<Long> r = new Captured<>();
    h.feed(new Msg.CancelJobs(selector.build(), r));
    return r;
  }

  @Test
  void labelsOverTheirLimits_areRefusedNamingTheField() {
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 33; i++) {
      many.put("k" + i, "v");
    }
    assertEquals("job.labels has 33 labels, limit 32",
        h.trySubmit(JobSpec.newBuilder().setType("t").putAllLabels(many).build()).failure.message());
    assertEquals("job.labels has a bad key 'no spaces' (1-63 characters of [A-Za-z0-9._/-] starting"
        + " with a letter or digit)", h.trySubmit(labelled("t", 0, "no spaces", "v")).failure.message());
    assertEquals("job.labels['k'] is 256 characters, limit 255",
        h.trySubmit(labelled("t", 0, "k", "x".repeat(256))).failure.message());
  }

  @Test
  void listJobs_findsJobsByTypeAndLabels() {
    String a = h.submit(labelled("resize", 0, "tenant", "acme", "zone", "eu"));
    String b = h.submit(labelled("resize", 0, "tenant", "globex"));
    String c = h.submit(labelled("email", 0, "tenant", "acme"));
    assertEquals(List.of(a, b), ids(ListJobsRequest.newBuilder().setType("resize")));
    assertEquals(List.of(a, c), ids(ListJobsRequest.newBuilder().putLabels("tenant", "acme")));
    assertEquals(List.of(a), ids(ListJobsRequest.newBuilder().putLabels("tenant", "acme")
        .putLabels("zone", "*")));
    assertEquals(List.of(c), ids(ListJobsRequest.newBuilder().setType("email").putLabels("tenant", "*")));
    assertEquals(List.of(), ids(ListJobsRequest.newBuilder().putLabels("zone", "us")));
  }

  @Test
  void cancelJobs_cancelsWhatMatchesEveryCriterion_runningOnesStoppedOnTheirWorker() {
    RecordingLink w = h.register("w", 1, "resize");
    String running = h.submit(labelled("resize", 1, "batch", "b7"));
    String pending = h.submit(labelled("resize", 1, "batch", "b7"));
    String scheduled = h.submit(labelled("resize", 1, "batch", "b7").toBuilder()
        .setStartAfter(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build());
    String important = h.submit(labelled("resize", 9, "batch", "b7"));
    String other = h.submit(labelled("resize", 1, "batch", "b8"));
    assertEquals(JOB_STATE_RUNNING, h.job(running).getState());
    assertEquals(JOB_STATE_SCHEDULED, h.job(scheduled).getState());

    Captured<Long> n = cancel(JobSelector.newBuilder().putLabels("batch", "b7").setPriorityBelow(5));
    assertEquals(3L, n.get());
    for (String id : List.of(running, pending, scheduled)) {
      Job j = h.job(id);
      assertEquals(JOB_STATE_DONE, j.getState());
      assertEquals(DONE_REASON_CANCELLED, j.getDoneReason());
      assertEquals("cancelled (CancelJobs)", j.getError());
    }
    assertEquals(List.of(w.lastLeaseFor(running)), w.stops().stream().map(s -> s.getLeaseId()).toList(),
        "the running one's worker is told to stop it");
    assertEquals(JOB_STATE_PENDING, h.job(important).getState(), "priority 9 is not below 5");
    assertEquals(JOB_STATE_PENDING, h.job(other).getState());
    assertEquals(0L, cancel(JobSelector.newBuilder().putLabels("batch", "b7").setPriorityBelow(5)).get(),
        "done jobs are not cancelled again");
    assertEquals(1L, cancel(JobSelector.newBuilder().setType("resize")
        .addStates(JOB_STATE_PENDING).putLabels("batch", "*").setPriorityBelow(2)).get());
  }

  @Test
  void cancelJobs_refusesSelectorsThatNameNothingOrDoneJobs() {
    h.submit(labelled("t", 0));
    assertEquals("selector must name at least one of labels, type, states, priority_below",
        cancel(JobSelector.newBuilder()).failure.message());
    assertEquals("selector.states[0] must be PENDING, SCHEDULED, BLOCKED or RUNNING (done jobs are not"
        + " cancelled), got JOB_STATE_DONE", cancel(JobSelector.newBuilder().addStates(JOB_STATE_DONE))
            .failure.message());
    assertEquals(JOB_STATE_PENDING, h.job(h.submit("t")).getState());
  }
}
