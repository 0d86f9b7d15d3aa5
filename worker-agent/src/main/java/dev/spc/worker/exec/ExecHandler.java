package dev.spc.worker.exec;

import dev.spc.worker.JobContext;
import dev.spc.worker.JobFailedException;
import dev.spc.worker.JobHandler;

/**
 * The {@code exec} job type: args are the argv (no shell unless the job asks for one), env and
 * cwd come from the spec, the payload is the program's stdin. Exit 0 is DONE; anything else is
 * CRASHED with the exit code and the output tail. Offered only by agents started with
 * {@code --allow-exec}.
 */
public final class ExecHandler implements JobHandler {
  public static final String TYPE = "exec";
  public static final int DEFAULT_TAIL_BYTES = 64 << 10;

  private final ExecSupervisor supervisor;

  public ExecHandler(int tailBytes) {
    this.supervisor = new ExecSupervisor(tailBytes);
  }

  @Override
  public void handle(JobContext ctx) throws Exception {
    ExecSupervisor.Running p = supervisor.start(ctx.args(), ctx.env(), ctx.cwd(), ctx.payload(),
        ctx::log);
    ctx.onForceStop(p::forceStop);
    ExecSupervisor.Outcome o = p.await(ctx::isCancelled);
    ctx.processEnded(o.exitStatus(), o.outputTail());
    if (ctx.isCancelled()) {
      return; // reported as stopped
    }
    if (!o.succeeded()) {
      throw new JobFailedException(o.describe());
    }
  }
}
