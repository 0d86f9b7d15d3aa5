package dev.spc.server.grpc;

import dev.spc.proto.CreateScheduleRequest;
import dev.spc.proto.DeleteScheduleRequest;
import dev.spc.proto.DeleteScheduleResponse;
import dev.spc.proto.GetScheduleRequest;
import dev.spc.proto.ListSchedulesRequest;
import dev.spc.proto.ListSchedulesResponse;
import dev.spc.proto.PauseScheduleRequest;
import dev.spc.proto.ResumeScheduleRequest;
import dev.spc.proto.Schedule;
import dev.spc.proto.ScheduleServiceGrpc;
import dev.spc.proto.TriggerScheduleRequest;
import dev.spc.proto.TriggerScheduleResponse;
import dev.spc.proto.UpdateScheduleRequest;
import dev.spc.server.auth.Identity;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Msg;
import io.grpc.stub.StreamObserver;

/** ScheduleService: translates each call into a loop message and the loop's answer back. */
public final class ScheduleServiceImpl extends ScheduleServiceGrpc.ScheduleServiceImplBase {
  private final EventLoop loop;

  public ScheduleServiceImpl(EventLoop loop) {
    this.loop = loop;
  }

  /** Whether the caller may make exec jobs (always, where credentials are not checked). */
  private static boolean mayExec() {
    Identity id = Identity.CURRENT.get();
    return id == null || id.mayExec();
  }

  @Override
  public void createSchedule(CreateScheduleRequest req, StreamObserver<Schedule> out) {
    loop.post(new Msg.PutSchedule(req.getSchedule(), false, mayExec(), GrpcReply.of(out)));
  }

  @Override
  public void updateSchedule(UpdateScheduleRequest req, StreamObserver<Schedule> out) {
    loop.post(new Msg.PutSchedule(req.getSchedule(), true, mayExec(), GrpcReply.of(out)));
  }

  @Override
  public void getSchedule(GetScheduleRequest req, StreamObserver<Schedule> out) {
    loop.post(new Msg.GetSchedule(req.getScheduleId(), GrpcReply.of(out)));
  }

  @Override
  public void listSchedules(ListSchedulesRequest req, StreamObserver<ListSchedulesResponse> out) {
    loop.post(new Msg.ListSchedules(req, GrpcReply.of(out)));
  }

  @Override
  public void deleteSchedule(DeleteScheduleRequest req, StreamObserver<DeleteScheduleResponse> out) {
    loop.post(new Msg.DeleteSchedule(req.getScheduleId(),
        new GrpcReply<>(out, done -> DeleteScheduleResponse.getDefaultInstance())));
  }

  @Override
  public void pauseSchedule(PauseScheduleRequest req, StreamObserver<Schedule> out) {
    loop.post(new Msg.PauseSchedule(req.getScheduleId(), true, GrpcReply.of(out)));
  }

  @Override
  public void resumeSchedule(ResumeScheduleRequest req, StreamObserver<Schedule> out) {
    loop.post(new Msg.PauseSchedule(req.getScheduleId(), false, GrpcReply.of(out)));
  }

  @Override
  public void triggerSchedule(TriggerScheduleRequest req, StreamObserver<TriggerScheduleResponse> out) {
    loop.post(new Msg.TriggerSchedule(req.getScheduleId(), mayExec(),
        new GrpcReply<>(out, id -> TriggerScheduleResponse.newBuilder().setJobId(id).build())));
  }
}
