package dev.spc.it;

import dev.spc.client.SpcException;
import dev.spc.proto.AdminServiceGrpc;
import dev.spc.proto.CancelJobRequest;
import dev.spc.proto.CoordinatorMessage;
import dev.spc.proto.GetJobRequest;
import dev.spc.proto.GetStatsRequest;
import dev.spc.proto.Heartbeat;
import dev.spc.proto.JobResult;
import dev.spc.proto.JobResults;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobSpec;
import dev.spc.proto.JobState;
import dev.spc.proto.JobUpdate;
import dev.spc.proto.JobUpdates;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListWorkersRequest;
import dev.spc.proto.Outcome;
import dev.spc.proto.Register;
import dev.spc.proto.SlotStuck;
import dev.spc.proto.StopWorkerRequest;
import dev.spc.proto.SubmitJobRequest;
import dev.spc.proto.SubmitJobsRequest;
import dev.spc.proto.WaitAnyJobRequest;
import dev.spc.proto.WaitJobRequest;
import dev.spc.proto.WatchJobRequest;
import dev.spc.proto.WorkerMessage;
import dev.spc.proto.WorkerServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Sends every call of every SPC service, with valid arguments, and records how each was
 * answered. Used against a coordinator in a half-built state (its reconnect grace, its shutdown),
 * where no valid call may be answered INTERNAL or UNKNOWN.
 */
final class EveryCall {
  /** One answer: the call and its status code. */
  record Answer(String call, Status.Code code, String detail) {
    boolean isServerFault() {
      return code == Status.Code.INTERNAL || code == Status.Code.UNKNOWN;
    }

    @Override
    public String toString() {
      return call + ": " + code + (detail == null ? "" : " " + detail);
    }
  }

  private final ManagedChannel channel;
  private final List<Answer> answers = new ArrayList<>();

  EveryCall(ManagedChannel channel) {
    this.channel = channel;
  }

  List<Answer> answers() {
    return answers;
  }

  List<Answer> serverFaults() {
    return answers.stream().filter(Answer::isServerFault).toList();
  }

  /**
   * Every JobService and AdminService call, on these jobs; {@code cancel} are cancelled,
   * {@code worker} is drained (its name need not be connected).
   */
  EveryCall clientCalls(List<String> jobIds, List<String> cancel, String worker) {
    JobServiceGrpc.JobServiceBlockingStub jobs = JobServiceGrpc.newBlockingStub(channel);
    AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(channel);
    JobSpec spec = JobSpec.newBuilder().setType("nobody-runs-this").build();
    call("SubmitJob", () -> deadline(jobs).submitJob(SubmitJobRequest.newBuilder().setJob(spec).build()));
    call("SubmitJobs", () -> deadline(jobs).submitJobs(SubmitJobsRequest.newBuilder()
        .addJobs(spec).addJobs(spec).setIdempotencyKey("every-call-" + System.nanoTime()).build()));
    call("SubmitEachJob", () -> deadline(jobs).submitEachJob(dev.spc.proto.SubmitEachJobRequest.newBuilder()
        .addJobs(spec).addJobs(JobSpec.getDefaultInstance()).build()));
    for (String id : jobIds) {
      call("GetJob " + id, () -> deadline(jobs).getJob(GetJobRequest.newBuilder().setJobId(id).build()));
      call("WaitJob " + id, () -> jobs.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
          .waitJob(WaitJobRequest.newBuilder().setJobId(id).build()));
      call("WatchJob " + id, () -> {
        deadline(jobs).watchJob(WatchJobRequest.newBuilder().setJobId(id).build())
            .forEachRemaining(e -> { });
        return null;
      });
      call("WatchJob follow " + id, () -> {
        jobs.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
            .watchJob(WatchJobRequest.newBuilder().setJobId(id).setFollow(true).build())
            .forEachRemaining(e -> { });
        return null;
      });
    }
    if (!jobIds.isEmpty()) {
      call("WaitAnyJob", () -> jobs.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
          .waitAnyJob(WaitAnyJobRequest.newBuilder().addAllJobIds(jobIds).build()));
    }
    for (JobState state : List.of(JobState.JOB_STATE_UNSPECIFIED, JobState.JOB_STATE_PENDING,
        JobState.JOB_STATE_RUNNING, JobState.JOB_STATE_DONE, JobState.JOB_STATE_BLOCKED)) {
      call("ListJobs " + state, () -> deadline(jobs).listJobs(
          ListJobsRequest.newBuilder().setState(state).setPageSize(1000).build()));
    }
    for (String id : cancel) {
      call("CancelJob " + id, () -> deadline(jobs).cancelJob(CancelJobRequest.newBuilder().setJobId(id).build()));
    }
    call("ListWorkers", () -> deadline(admin).listWorkers(ListWorkersRequest.getDefaultInstance()));
    call("GetStats", () -> deadline(admin).getStats(GetStatsRequest.getDefaultInstance()));
    call("StopWorker drain " + worker, () -> deadline(admin).stopWorker(
        StopWorkerRequest.newBuilder().setName(worker).setDrain(true).build()));
    call("SetAccessLevel open", () -> deadline(admin).setAccessLevel(
        dev.spc.proto.SetAccessLevelRequest.newBuilder().setLevel(Integer.MIN_VALUE).build()));
    call("StopWorker unknown", () -> deadline(admin).stopWorker(
        StopWorkerRequest.newBuilder().setName("nobody-by-this-name").build()));
    call("CancelJobs", () -> deadline(jobs).cancelJobs(dev.spc.proto.CancelJobsRequest.newBuilder()
        .setSelector(dev.spc.proto.JobSelector.newBuilder().putLabels("every-call", "matches-nothing"))
        .build()));
    if (!jobIds.isEmpty()) {
      call("SubmitJob after " + jobIds.get(0), () -> deadline(jobs).submitJob(SubmitJobRequest.newBuilder()
          .setJob(spec.toBuilder().addDependsOn(jobIds.get(0)).setConcurrencyKey("every-call")
              .putConstraints("zone", "*")).build()));
      call("SignalJob " + jobIds.get(0), () -> deadline(jobs).signalJob(dev.spc.proto.SignalJobRequest
          .newBuilder().setJobId(jobIds.get(0)).setSignal("HUP").build()));
    }
    call("SetConcurrencyLimit", () -> deadline(admin).setConcurrencyLimit(
        dev.spc.proto.SetConcurrencyLimitRequest.newBuilder().setKey("every-call").setLimit(2).build()));
    call("SetRateLimit", () -> deadline(admin).setRateLimit(dev.spc.proto.SetRateLimitRequest
        .newBuilder().setType("nobody-runs-this").setPerSecond(1000).build()));
    call("ListLimits", () -> deadline(admin).listLimits(dev.spc.proto.ListLimitsRequest.getDefaultInstance()));
    scheduleCalls();
    return this;
  }

  /** Every ScheduleService call on a schedule of its own, from create to delete. */
  private void scheduleCalls() {
    dev.spc.proto.ScheduleServiceGrpc.ScheduleServiceBlockingStub schedules =
        dev.spc.proto.ScheduleServiceGrpc.newBlockingStub(channel);
    String id = "every-call-" + System.nanoTime();
    dev.spc.proto.Schedule s = dev.spc.proto.Schedule.newBuilder().setScheduleId(id)
        .setCron("0 3 * * *").setTimeZone("Europe/Copenhagen")
        .setJob(JobSpec.newBuilder().setType("nobody-runs-this")).build();
    call("CreateSchedule", () -> deadline(schedules).createSchedule(
        dev.spc.proto.CreateScheduleRequest.newBuilder().setSchedule(s).build()));
    call("GetSchedule", () -> deadline(schedules).getSchedule(
        dev.spc.proto.GetScheduleRequest.newBuilder().setScheduleId(id).build()));
    call("ListSchedules", () -> deadline(schedules).listSchedules(
        dev.spc.proto.ListSchedulesRequest.getDefaultInstance()));
    call("UpdateSchedule", () -> deadline(schedules).updateSchedule(
        dev.spc.proto.UpdateScheduleRequest.newBuilder().setSchedule(s.toBuilder().setCron("0 4 * * *")).build()));
    call("PauseSchedule", () -> deadline(schedules).pauseSchedule(
        dev.spc.proto.PauseScheduleRequest.newBuilder().setScheduleId(id).build()));
    call("ResumeSchedule", () -> deadline(schedules).resumeSchedule(
        dev.spc.proto.ResumeScheduleRequest.newBuilder().setScheduleId(id).build()));
    call("TriggerSchedule", () -> deadline(schedules).triggerSchedule(
        dev.spc.proto.TriggerScheduleRequest.newBuilder().setScheduleId(id).build()));
    call("DeleteSchedule", () -> deadline(schedules).deleteSchedule(
        dev.spc.proto.DeleteScheduleRequest.newBuilder().setScheduleId(id).build()));
  }

  /**
   * WorkerService/Connect as an agent named {@code name} that says it holds {@code leases}: it
   * registers, sends a heartbeat, progress, a stuck slot and results for them, says it drains
   * and half-closes. Records how the stream ended.
   */
  EveryCall workerCalls(String name, List<Long> leases) throws InterruptedException {
    CompletableFuture<Status> end = new CompletableFuture<>();
    StreamObserver<WorkerMessage> out = WorkerServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
      @Override
      public void onNext(CoordinatorMessage m) {}

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    });
    try {
      out.onNext(WorkerMessage.newBuilder().setRegister(Register.newBuilder().setName(name)
          .addJobTypes("sleep").setSlots(4).setHost("probe").addAllHeldLeaseIds(leases)).build());
      out.onNext(WorkerMessage.newBuilder().setHeartbeat(
          Heartbeat.newBuilder().addAllRunningLeaseIds(leases)).build());
      JobUpdates.Builder updates = JobUpdates.newBuilder();
      JobResults.Builder results = JobResults.newBuilder().setSeq(1);
      for (long lease : leases) {
        updates.addUpdates(JobUpdate.newBuilder().setLeaseId(lease).setProgress(0.5).addLogLines("probe"));
        results.addResults(JobResult.newBuilder().setLeaseId(lease).setOutcome(Outcome.OUTCOME_SUCCEEDED));
      }
      out.onNext(WorkerMessage.newBuilder().setUpdates(updates).build());
      for (long lease : leases) {
        out.onNext(WorkerMessage.newBuilder().setStuck(
            SlotStuck.newBuilder().setLeaseId(lease).setDetail("probe")).build());
      }
      out.onNext(WorkerMessage.newBuilder().setResults(results).build());
      out.onNext(WorkerMessage.newBuilder().setDraining(dev.spc.proto.Draining.getDefaultInstance()).build());
      out.onCompleted();
    } catch (RuntimeException e) {
      // the stream ended early: its status says why
    }
    Status s;
    try {
      s = end.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      s = Status.DEADLINE_EXCEEDED.withDescription("the coordinator did not end the stream");
    }
    answers.add(answer("Connect " + name, s));
    return this;
  }

  private static <S extends io.grpc.stub.AbstractStub<S>> S deadline(S stub) {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private void call(String what, Supplier<Object> c) {
    try {
      Object unused = c.get();
      answers.add(new Answer(what, Status.Code.OK, null));
    } catch (StatusRuntimeException e) {
      answers.add(answer(what, e.getStatus()));
    }
  }

  /**
   * The answer a status stands for, read as the SDK reads it: a connection closed under a call
   * being set up (grpc-java's UNKNOWN "channel closed") is the coordinator going away, not an
   * answer from it.
   */
  static Answer answer(String what, Status s) {
    SpcException e = SpcException.from(s.asRuntimeException());
    return new Answer(what, e.code(), e.getMessage());
  }
}
