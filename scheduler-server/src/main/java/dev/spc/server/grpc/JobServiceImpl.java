package dev.spc.server.grpc;

import dev.spc.proto.CancelJobRequest;
import dev.spc.proto.CancelJobResponse;
import dev.spc.proto.GetJobRequest;
import dev.spc.proto.Job;
import dev.spc.proto.JobServiceGrpc;
import dev.spc.proto.JobSpec;
import dev.spc.proto.ListJobsRequest;
import dev.spc.proto.ListJobsResponse;
import dev.spc.proto.RerunJobRequest;
import dev.spc.proto.RerunJobResponse;
import dev.spc.proto.SubmitJobRequest;
import dev.spc.proto.SubmitJobResponse;
import dev.spc.proto.SubmitJobsRequest;
import dev.spc.proto.SubmitJobsResponse;
import dev.spc.proto.SubmitEachJobRequest;
import dev.spc.proto.SubmitEachJobResponse;
import dev.spc.proto.SubmitOutcome;
import dev.spc.proto.WaitAnyJobRequest;
import dev.spc.proto.WaitJobRequest;
import dev.spc.server.auth.Identity;
import dev.spc.server.loop.EventLoop;
import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Msg;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** JobService: translates each call into a loop message and the loop's answer back. */
public final class JobServiceImpl extends JobServiceGrpc.JobServiceImplBase {
  private final EventLoop loop;

  public JobServiceImpl(EventLoop loop) {
    this.loop = loop;
  }

  /**
   * An exec job runs a program on an agent: submitting one needs the exec permission on the
   * caller's identity (when credentials are checked). Refused whole, creating nothing.
   */
  private static boolean refuseExec(List<JobSpec> specs, StreamObserver<?> out) {
    Status refusal = execRefusal();
    if (refusal == null) {
      return false;
    }
    for (JobSpec s : specs) {
      if (s.getType().equals("exec")) {
        out.onError(refusal.asRuntimeException());
        return true;
      }
    }
    return false;
  }

  /** Why the caller may not submit exec jobs; null if it may. */
  private static @Nullable Status execRefusal() {
    Identity id = Identity.CURRENT.get();
    if (id == null || id.mayExec()) {
      return null;
    }
    return Status.PERMISSION_DENIED.withDescription("identity '" + id.label()
        + "' may not submit exec jobs: they run programs on agents; create its token with --exec");
  }

  /**
   * The specs with the call's trace context (its traceparent and tracestate headers) where they
   * carry none of their own; a header that is not a valid traceparent is ignored, as the W3C
   * recommendation says (the trace starts anew).
   */
  static List<JobSpec> traced(List<JobSpec> specs) {
    String parent = PeerInterceptor.TRACEPARENT.get();
    if (parent == null || !dev.spc.common.TraceContext.valid(parent)) {
      return specs;
    }
    String state = PeerInterceptor.TRACESTATE.get();
    boolean keepState = state != null && state.length() <= dev.spc.common.TraceContext.MAX_TRACESTATE;
    List<JobSpec> out = new java.util.ArrayList<>(specs.size());
    for (JobSpec s : specs) {
      if (s.getTraceparent().isEmpty() && s.getTracestate().isEmpty()) {
        JobSpec.Builder b = s.toBuilder().setTraceparent(parent);
        if (keepState) {
          b.setTracestate(state);
        }
        s = b.build();
      }
      out.add(s);
    }
    return out;
  }

  @Override
  public void submitJob(SubmitJobRequest req, StreamObserver<SubmitJobResponse> out) {
    if (refuseExec(List.of(req.getJob()), out)) {
      return;
    }
    loop.post(new Msg.Submit(traced(List.of(req.getJob())), false, new GrpcReply<>(out,
        ids -> SubmitJobResponse.newBuilder().setJobId(ids.get(0)).build())));
  }

  @Override
  public void submitJobs(SubmitJobsRequest req, StreamObserver<SubmitJobsResponse> out) {
    if (refuseExec(req.getJobsList(), out)) {
      return;
    }
    loop.post(new Msg.Submit(traced(req.getJobsList()), true, req.getIdempotencyKey(), new GrpcReply<>(out,
        ids -> SubmitJobsResponse.newBuilder().addAllJobIds(ids).build())));
  }

  /**
   * Each job on its own, as that many SubmitJob calls: an exec job the caller may not submit is
   * refused alone, and the loop answers the rest one by one.
   */
  @Override
  public void submitEachJob(SubmitEachJobRequest req, StreamObserver<SubmitEachJobResponse> out) {
    List<JobSpec> specs = traced(req.getJobsList());
    Status refusal = execRefusal();
    List<JobSpec> allowed = specs;
    if (refusal != null) {
      allowed = specs.stream().filter(s -> !s.getType().equals("exec")).toList();
    }
    if (allowed.isEmpty() && !specs.isEmpty()) {
      GrpcReply.of(out).ok(merge(specs, List.of(), refusal));
      return;
    }
    Status denied = refusal;
    loop.post(new Msg.SubmitEach(allowed, new GrpcReply<>(out, outcomes -> merge(specs, outcomes, denied))));
  }

  /** The loop's outcomes for the jobs it was given, with the exec jobs it was not given refused. */
  private static SubmitEachJobResponse merge(List<JobSpec> specs, List<Msg.Outcome> outcomes,
      @Nullable Status refusal) {
    SubmitEachJobResponse.Builder r = SubmitEachJobResponse.newBuilder();
    int next = 0;
    for (JobSpec s : specs) {
      SubmitOutcome.Builder o = r.addOutcomesBuilder();
      if (refusal != null && s.getType().equals("exec")) {
        o.setCode(refusal.getCode().value()).setMessage(String.valueOf(refusal.getDescription()));
        continue;
      }
      Msg.Outcome done = outcomes.get(next++);
      Failure f = done.failure();
      if (f == null) {
        o.setJobId(done.jobId());
      } else {
        Status st = GrpcReply.status(f);
        o.setCode(st.getCode().value()).setMessage(String.valueOf(st.getDescription()));
      }
    }
    return r.build();
  }

  @Override
  public void getJob(GetJobRequest req, StreamObserver<Job> out) {
    loop.post(new Msg.GetJob(req.getJobId(), GrpcReply.of(out)));
  }

  @Override
  public void cancelJob(CancelJobRequest req, StreamObserver<CancelJobResponse> out) {
    loop.post(new Msg.Cancel(req.getJobId(), GrpcReply.of(out)));
  }

  @Override
  public void cancelJobs(dev.spc.proto.CancelJobsRequest req,
      StreamObserver<dev.spc.proto.CancelJobsResponse> out) {
    loop.post(new Msg.CancelJobs(req.getSelector(), new GrpcReply<>(out,
        n -> dev.spc.proto.CancelJobsResponse.newBuilder().setCancelled(n).build())));
  }

  @Override
  public void signalJob(dev.spc.proto.SignalJobRequest req,
      StreamObserver<dev.spc.proto.SignalJobResponse> out) {
    Identity id = Identity.CURRENT.get();
    loop.post(new Msg.SignalJob(req, id == null || id.mayExec(), GrpcReply.of(out)));
  }

  @Override
  public void rerunJob(RerunJobRequest req, StreamObserver<RerunJobResponse> out) {
    Identity id = Identity.CURRENT.get();
    loop.post(new Msg.Rerun(req.getJobId(), id == null || id.mayExec(), new GrpcReply<>(out,
        newId -> RerunJobResponse.newBuilder().setJobId(newId).build())));
  }

  @Override
  public void waitJob(WaitJobRequest req, StreamObserver<Job> out) {
    startWait(List.of(req.getJobId()), false, out);
  }

  @Override
  public void waitAnyJob(WaitAnyJobRequest req, StreamObserver<Job> out) {
    startWait(req.getJobIdsList(), true, out);
  }

  private void startWait(List<String> ids, boolean any, StreamObserver<Job> out) {
    long waiterId = loop.nextWaiterId();
    GrpcReply<Job, Job> reply = GrpcReply.of(out);
    // A caller that gives up (deadline, cancel, disconnect) must not leave a waiter behind.
    ((ServerCallStreamObserver<Job>) out).setOnCancelHandler(
        () -> loop.post(new Msg.WaitAbandoned(waiterId)));
    loop.post(new Msg.Wait(waiterId, ids, any, reply));
  }

  @Override
  public void watchJob(dev.spc.proto.WatchJobRequest req, StreamObserver<dev.spc.proto.JobEvent> out) {
    long watcherId = loop.nextWaiterId();
    WatchStream sink = new WatchStream(loop, watcherId,
        (ServerCallStreamObserver<dev.spc.proto.JobEvent>) out);
    loop.post(new Msg.Watch(watcherId, req.getJobId(), req.getFollow(), sink));
  }

  @Override
  public void listJobs(ListJobsRequest req, StreamObserver<ListJobsResponse> out) {
    loop.post(new Msg.ListJobs(req, GrpcReply.of(out)));
  }
}
