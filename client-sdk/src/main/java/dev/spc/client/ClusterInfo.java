package dev.spc.client;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Who leads a cluster of coordinators, as the coordinator asked sees it.
 *
 * @param leader the leader's address, or null while nobody leads
 * @param epoch the leadership epoch (0 for a coordinator that runs alone)
 * @param role the answering coordinator's role: "leader" or "standby"
 * @param self the answering coordinator's address
 * @param members every coordinator seen recently
 */
public record ClusterInfo(@Nullable String leader, long epoch, String role, String self,
    List<Member> members) {
  /** A coordinator of the cluster. */
  public record Member(String address, String role, @Nullable Instant lastSeen) {}
}
