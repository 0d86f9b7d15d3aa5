package dev.spc.client;

import java.time.Instant;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * One finished attempt of a job.
 *
 * @param attempt its number, from 1
 * @param worker where it ran
 * @param startedAt when it started; null if unknown
 * @param finishedAt when its outcome was decided
 * @param reason how it ended
 * @param error the outcome's detail
 * @param exitCode a process's exit code, where there is one
 */
public record JobAttempt(int attempt, String worker, @Nullable Instant startedAt,
    @Nullable Instant finishedAt, DoneReason reason, String error, OptionalInt exitCode) {}
