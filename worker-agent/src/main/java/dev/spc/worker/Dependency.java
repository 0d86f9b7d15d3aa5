package dev.spc.worker;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of a job this one depends on ({@code JobSpec.depends_on}), as the coordinator handed
 * it over with the lease: its id, how it ended ("DONE", "CRASHED", "CANCELLED", "TIMEOUT",
 * "EXPIRED", or "UNKNOWN" if it was forgotten), its error text, result and exit code. Results
 * over 4 MiB in all are left out ({@code resultLeftOut}; read them with the SDK's status).
 */
@SuppressWarnings("ArrayRecordComponent") // the result as received; outcomes are not compared
public record Dependency(String jobId, String outcome, String error, byte[] result,
    @Nullable Integer exitCode, boolean resultLeftOut) {
  public boolean succeeded() {
    return outcome.equals("DONE");
  }

  /** The result as UTF-8 text. */
  public String resultText() {
    return new String(result, java.nio.charset.StandardCharsets.UTF_8);
  }

  static Dependency of(dev.spc.proto.DependencyOutcome o) {
    String outcome = o.getState() == dev.spc.proto.JobState.JOB_STATE_UNKNOWN ? "UNKNOWN"
        : o.getDoneReason().name().substring("DONE_REASON_".length());
    return new Dependency(o.getJobId(), outcome, o.getError(), o.getResult().toByteArray(),
        o.hasExitCode() ? o.getExitCode() : null, o.getResultLeftOut());
  }

  /** For the agent: the outcomes a lease carries. */
  public static java.util.List<Dependency> of(java.util.List<dev.spc.proto.DependencyOutcome> list) {
    return list.stream().map(Dependency::of).toList();
  }
}
