package dev.spc.proto;

import io.grpc.Metadata;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * A standby coordinator's answer to everything but health and GetCluster: UNAVAILABLE, with the
 * leader's address in the {@code spc-leader} trailer so that clients and agents go there.
 */
public final class LeaderHint {
  public static final Metadata.Key<String> KEY =
      Metadata.Key.of("spc-leader", Metadata.ASCII_STRING_MARSHALLER);

  private LeaderHint() {}

  /** The leader's address a refusal names, or null. */
  public static @Nullable String of(@Nullable Metadata trailers) {
    if (trailers == null) {
      return null;
    }
    String v = trailers.get(KEY);
    return v == null || v.isBlank() ? null : v;
  }

  /** The trailers that send a caller to {@code leader} (none while nobody leads). */
  public static Metadata trailers(@Nullable String leader) {
    Metadata m = new Metadata();
    if (leader != null && !leader.isEmpty()) {
      m.put(KEY, leader);
    }
    return m;
  }

  /**
   * The refusal a standby gives; {@code storeProblem} says why nobody can lead when the store
   * cannot be reached (null when it can).
   */
  public static Status refusal(@Nullable String leader, long epoch, @Nullable String storeProblem) {
    if (leader != null && !leader.isEmpty()) {
      return Status.UNAVAILABLE.withDescription(
          "this coordinator is a standby; the leader is " + leader + " (epoch " + epoch + ")");
    }
    return Status.UNAVAILABLE.withDescription(storeProblem != null
        ? "no coordinator leads: the store cannot be reached (" + storeProblem + "); nothing is"
            + " accepted until it can, and nothing accepted before is lost"
        : "this coordinator is a standby and no coordinator leads right now (an election is under"
            + " way); retry shortly");
  }
}
