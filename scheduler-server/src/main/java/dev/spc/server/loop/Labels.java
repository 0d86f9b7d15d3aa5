package dev.spc.server.loop;

import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Job labels: their limits, and how a selector matches them. */
final class Labels {
  static final int MAX_LABELS = 32;
  static final int MAX_VALUE = 255;
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");
  /** A selector value that matches any value of the label. */
  static final String ANY = "*";

  private Labels() {}

  /** The problem with {@code labels} (prefixed by {@code field}), or null. */
  static @Nullable String check(String field, Map<String, String> labels) {
    if (labels.size() > MAX_LABELS) {
      return field + " has " + labels.size() + " labels, limit " + MAX_LABELS;
    }
    for (var e : labels.entrySet()) {
      if (!KEY.matcher(e.getKey()).matches()) {
        return field + " has a bad key '" + SpecValidator.shorten(e.getKey()) + "' (1-63 characters"
            + " of [A-Za-z0-9._/-] starting with a letter or digit)";
      }
      if (e.getValue().length() > MAX_VALUE) {
        return field + "['" + e.getKey() + "'] is " + e.getValue().length() + " characters, limit "
            + MAX_VALUE;
      }
    }
    return null;
  }

  /**
   * Why no connected worker that handles {@code type} may run a job with {@code constraints}
   * ("" if one may): the first constraint no such worker meets, or all of them.
   */
  static String unmet(String type, Map<String, String> constraints, Iterable<WorkerRecord> workers) {
    java.util.List<WorkerRecord> ofType = new java.util.ArrayList<>();
    for (WorkerRecord w : workers) {
      if (w.types.contains(type)) {
        if (matches(w.labels, constraints)) {
          return "";
        }
        ofType.add(w);
      }
    }
    if (ofType.isEmpty()) {
      return "";
    }
    for (var e : new java.util.TreeMap<>(constraints).entrySet()) {
      Map<String, String> one = Map.of(e.getKey(), e.getValue());
      if (ofType.stream().noneMatch(w -> matches(w.labels, one))) {
        return "no connected worker of type '" + type + "' meets the constraint " + e.getKey() + "="
            + e.getValue() + " (" + ofType.size() + " of that type connected)";
      }
    }
    return "no connected worker of type '" + type + "' meets all of the constraints "
        + new java.util.TreeMap<>(constraints);
  }

  /** Whether {@code labels} carry every label of {@code selector} ("*": with any value). */
  static boolean matches(Map<String, String> labels, Map<String, String> selector) {
    for (var e : selector.entrySet()) {
      String v = labels.get(e.getKey());
      if (v == null || !(e.getValue().equals(ANY) || e.getValue().equals(v))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A spec's constraints without the allocation a protobuf map accessor makes on every call when
   * there are none (most jobs): the hot path reads this once per job.
   */
  static Map<String, String> constraintsOf(dev.spc.proto.JobSpec spec) {
    return spec.getConstraintsCount() == 0 ? Map.of() : spec.getConstraintsMap();
  }
}
