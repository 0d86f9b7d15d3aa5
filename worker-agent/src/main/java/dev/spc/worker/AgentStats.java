package dev.spc.worker;

import java.util.Map;

/**
 * An agent's counts for monitoring ({@link WorkerAgent#stats()}), taken on the agent thread.
 *
 * @param slots jobs it runs at once
 * @param busy slots holding a job (stuck ones included)
 * @param stuck slots whose job would not stop
 * @param unconfirmedResults results the coordinator has not confirmed storing (not sent yet, or
 *     sent and unconfirmed)
 * @param reconnects registrations after the first (a new stream after a lost one)
 * @param selfFencings times it stopped its jobs itself, cut off from the coordinator
 * @param finished jobs ended on this agent since it started, by outcome ({@code succeeded},
 *     {@code failed}, {@code stopped}, {@code fenced}, {@code timed_out})
 */
public record AgentStats(int slots, int busy, int stuck, int unconfirmedResults, long reconnects,
    long selfFencings, Map<String, Long> finished) {
  public AgentStats {
    finished = Map.copyOf(finished);
  }
}
