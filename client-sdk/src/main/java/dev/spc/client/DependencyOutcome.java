package dev.spc.client;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a job another one depends on ended, as the dependent holds it.
 *
 * @param id the dependency
 * @param state DONE once it ended; PENDING while the dependent still waits for it; UNKNOWN if it was
 *     forgotten
 * @param reason how it ended; empty until it did
 * @param error its outcome's detail
 * @param result the bytes its handler set
 * @param exitCode its process's exit code, where there is one
 */
@SuppressWarnings("ArrayRecordComponent") // result bytes as given; outcomes are not compared
public record DependencyOutcome(JobId id, JobState state, Optional<DoneReason> reason, String error,
    byte[] result, OptionalInt exitCode) {
  public String resultText() {
    return new String(result, StandardCharsets.UTF_8);
  }
}
