package dev.spc.worker.internal;

import java.util.List;

/** What the agent's session needs of its jobs (implemented by {@link AgentState}). */
public interface SessionJobs {
  List<Long> heldLeases();

  /** Leases whose results this agent holds, not yet confirmed by the coordinator. */
  List<Long> resultLeases();

  /** Results the coordinator has not confirmed storing. */
  int undeliveredResults();

  void connected(boolean connected);

  void start(List<dev.spc.proto.Lease> leases, boolean closing);

  void stop(List<dev.spc.proto.StopJob> stops);

  void signal(List<dev.spc.proto.JobSignal> signals);

  void resultsTaken(long upToSeq);

  void flushResults();

  void fenceAll(String reason);

  void stopAll(String reason);
}
