package dev.spc.worker;

/**
 * Why an agent ended, with the process exit code a standalone agent uses and one line for
 * operators.
 */
public record AgentExit(Reason reason, String message) {
  /** The ways an agent ends. */
  public enum Reason {
    /** Closed by its owner (SIGTERM, {@link WorkerAgent#close()}). */
    CLOSED(0),
    /** The coordinator refused the registration as invalid. */
    REFUSED(2),
    /** Another connected worker has this name. */
    NAME_TAKEN(3),
    /** The coordinator could not be reached at start within the connect timeout. */
    UNREACHABLE(4),
    /** An operator stopped this worker through the coordinator. */
    STOPPED(5),
    /** Every slot holds a job that would not stop; a supervisor should restart the agent. */
    ALL_SLOTS_STUCK(6),
    /**
     * It left (drained or closed) with results the coordinator had not confirmed: it could not be
     * reached in time, and those jobs will end CRASHED there.
     */
    RESULTS_UNDELIVERED(7);

    private final int exitCode;

    Reason(int exitCode) {
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }

  public int exitCode() {
    return reason.exitCode();
  }
}
