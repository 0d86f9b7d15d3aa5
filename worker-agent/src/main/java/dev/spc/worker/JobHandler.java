package dev.spc.worker;

/**
 * User code that runs one type of job.
 *
 * <p>Return normally for DONE; throw for CRASHED (the exception's text becomes the job's error;
 * throw {@link JobFailedException} to set exactly that text). Long-running handlers should poll
 * {@link JobContext#isCancelled()} or block in {@link JobContext#awaitCancellation}, and stop
 * promptly when cancelled or interrupted: a handler that ignores both for the agent's stop grace
 * leaves its slot stuck.
 *
 * <p>Handlers run on the agent's slot threads, several at once when the agent has several slots.
 */
@FunctionalInterface
public interface JobHandler {
  void handle(JobContext ctx) throws Exception;
}
