package dev.spc.client;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which jobs {@link SpcClient#cancelJobs(JobSelector)} cancels: those not done that match every
 * criterion given (at least one).
 *
 * @param labels jobs carrying every one of these labels with these values ("*": any value)
 * @param type jobs of this type; null for any
 * @param states jobs in one of these states (PENDING, SCHEDULED, RUNNING); empty for any not done
 * @param priorityBelow jobs whose priority is below this
 */
public record JobSelector(Map<String, String> labels, @Nullable String type, Set<JobState> states,
    OptionalInt priorityBelow) {
  public JobSelector {
    labels = Map.copyOf(labels);
    states = Set.copyOf(states);
  }

  /** Jobs carrying this label with this value ("*": any value). */
  public static JobSelector label(String key, String value) {
    return new JobSelector(Map.of(key, value), null, Set.of(), OptionalInt.empty());
  }

  /** Jobs of this type. */
  public static JobSelector type(String type) {
    return new JobSelector(Map.of(), Objects.requireNonNull(type, "type"), Set.of(), OptionalInt.empty());
  }

  /** Jobs whose priority is below {@code priority}. */
  public static JobSelector priorityBelow(int priority) {
    return new JobSelector(Map.of(), null, Set.of(), OptionalInt.of(priority));
  }

  /** This selector, narrowed to jobs also carrying this label. */
  public JobSelector andLabel(String key, String value) {
    Map<String, String> m = new java.util.HashMap<>(labels);
    m.put(key, value);
    return new JobSelector(m, type, states, priorityBelow);
  }

  /** This selector, narrowed to jobs also in one of these states. */
  public JobSelector inStates(JobState... states) {
    return new JobSelector(labels, type, Set.of(states), priorityBelow);
  }

  /** This selector, narrowed to jobs also of this type. */
  public JobSelector ofType(String type) {
    return new JobSelector(labels, type, states, priorityBelow);
  }

  /** This selector, narrowed to jobs whose priority is also below {@code priority}. */
  public JobSelector andPriorityBelow(int priority) {
    return new JobSelector(labels, type, states, OptionalInt.of(priority));
  }

  dev.spc.proto.JobSelector toProto() {
    dev.spc.proto.JobSelector.Builder b = dev.spc.proto.JobSelector.newBuilder().putAllLabels(labels);
    if (type != null) {
      b.setType(type);
    }
    states.forEach(s -> b.addStates(dev.spc.client.internal.Convert.toProto(s)));
    priorityBelow.ifPresent(b::setPriorityBelow);
    return b.build();
  }
}
