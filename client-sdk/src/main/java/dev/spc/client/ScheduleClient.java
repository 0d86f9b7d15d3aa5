package dev.spc.client;

import dev.spc.client.internal.CallRetries;
import dev.spc.client.internal.Calls;
import dev.spc.proto.ScheduleServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The schedules of a coordinator: jobs made on a calendar or at an interval. From
 * {@link SpcClient#schedules()}; shares its channel, credentials and timeouts. Every call has a
 * blocking form and an {@code ...Async} form; failures are {@link SpcException}s
 * ({@code AlreadyExists} for a taken id, {@code NotFound} for an unknown one,
 * {@code InvalidArgument} naming the field for a bad expression, time zone or job).
 */
public final class ScheduleClient {
  private final ScheduleServiceGrpc.ScheduleServiceFutureStub stub;
  private final java.time.Duration callTimeout;
  private final CallRetries retries;

  ScheduleClient(ScheduleServiceGrpc.ScheduleServiceFutureStub stub, java.time.Duration callTimeout,
      CallRetries retries) {
    this.stub = stub;
    this.callTimeout = callTimeout;
    this.retries = retries;
  }

  private ScheduleServiceGrpc.ScheduleServiceFutureStub unary() {
    return stub.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Creates the schedule; it fires from now on (unless created paused). */
  public Schedule create(ScheduleSpec spec) {
    return Calls.join(createAsync(spec));
  }

  public CompletableFuture<Schedule> createAsync(ScheduleSpec spec) {
    var req = dev.spc.proto.CreateScheduleRequest.newBuilder().setSchedule(spec.toProto()).build();
    return read(() -> Calls.call(unary().createSchedule(req), Schedule::fromProto));
  }

  /** Replaces the schedule {@code spec.id()} names; its fire times go on from now. */
  public Schedule update(ScheduleSpec spec) {
    return Calls.join(updateAsync(spec));
  }

  public CompletableFuture<Schedule> updateAsync(ScheduleSpec spec) {
    var req = dev.spc.proto.UpdateScheduleRequest.newBuilder().setSchedule(spec.toProto()).build();
    return read(() -> Calls.call(unary().updateSchedule(req), Schedule::fromProto));
  }

  public Schedule get(String id) {
    return Calls.join(getAsync(id));
  }

  public CompletableFuture<Schedule> getAsync(String id) {
    var req = dev.spc.proto.GetScheduleRequest.newBuilder().setScheduleId(id).build();
    return read(() -> Calls.call(unary().getSchedule(req), Schedule::fromProto));
  }

  /** Every schedule, by id (fetched a page at a time). */
  public List<Schedule> list() {
    List<Schedule> out = new ArrayList<>();
    String token = "";
    do {
      var req = dev.spc.proto.ListSchedulesRequest.newBuilder().setPageSize(1000).setPageToken(token).build();
      dev.spc.proto.ListSchedulesResponse page = Calls.join(read(() -> Calls.call(
          unary().listSchedules(req), r -> r)));
      page.getSchedulesList().forEach(s -> out.add(Schedule.fromProto(s)));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return out;
  }

  /** Pauses the schedule: it does not fire until resumed. */
  public Schedule pause(String id) {
    return Calls.join(pauseAsync(id));
  }

  public CompletableFuture<Schedule> pauseAsync(String id) {
    var req = dev.spc.proto.PauseScheduleRequest.newBuilder().setScheduleId(id).build();
    return read(() -> Calls.call(unary().pauseSchedule(req), Schedule::fromProto));
  }

  /** Resumes the schedule from now; fires that came due while it was paused are not made up. */
  public Schedule resume(String id) {
    return Calls.join(resumeAsync(id));
  }

  public CompletableFuture<Schedule> resumeAsync(String id) {
    var req = dev.spc.proto.ResumeScheduleRequest.newBuilder().setScheduleId(id).build();
    return read(() -> Calls.call(unary().resumeSchedule(req), Schedule::fromProto));
  }

  /** Makes the schedule's job now, paused or not, whatever its overlap policy; returns its id. */
  public JobId trigger(String id) {
    return Calls.join(triggerAsync(id));
  }

  public CompletableFuture<JobId> triggerAsync(String id) {
    var req = dev.spc.proto.TriggerScheduleRequest.newBuilder().setScheduleId(id).build();
    return Calls.call(unary().triggerSchedule(req), r -> JobId.of(r.getJobId()));
  }

  /** Deletes the schedule; jobs it made are left alone. */
  public void delete(String id) {
    Calls.join(deleteAsync(id));
  }

  public CompletableFuture<Void> deleteAsync(String id) {
    var req = dev.spc.proto.DeleteScheduleRequest.newBuilder().setScheduleId(id).build();
    return read(() -> Calls.call(unary().deleteSchedule(req), r -> null));
  }

  /**
   * Against a cluster, repeated while no leader answers; every call but trigger is safe to repeat
   * (a repeated create answers AlreadyExists, which says it was made).
   */
  private <T> CompletableFuture<T> read(Supplier<CompletableFuture<T>> call) {
    return retries.read(call);
  }
}
