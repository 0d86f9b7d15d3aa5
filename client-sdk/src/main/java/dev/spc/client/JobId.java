package dev.spc.client;

import java.util.Objects;

/** A job's id as the coordinator issued it. Opaque: compare and print it, do not parse it. */
public record JobId(String value) {
  public JobId {
    Objects.requireNonNull(value, "value");
    if (value.isBlank()) {
      throw new IllegalArgumentException("job id must not be blank");
    }
  }

  public static JobId of(String value) {
    return new JobId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
