package dev.spc.worker.internal;

import java.security.SecureRandom;
import java.util.List;
import java.util.Map;

/**
 * Who an agent is: its name, where it connects, what it runs and the labels jobs route by, and the
 * random id of this agent process ({@code Register.instance_id}), which tells the coordinator
 * after a restart whether the agent reconnecting under a name is the process it granted leases to.
 */
public record AgentIdentity(String name, String target, List<String> types, int slots, String host,
    Map<String, String> labels, long instanceId) {

  public AgentIdentity {
    if (instanceId == 0) {
      throw new IllegalArgumentException("instanceId must not be 0");
    }
  }

  /** A fresh instance id: 64 random bits, never 0. */
  public static long newInstanceId() {
    SecureRandom random = new SecureRandom();
    long id;
    do {
      id = random.nextLong();
    } while (id == 0);
    return id;
  }
}
