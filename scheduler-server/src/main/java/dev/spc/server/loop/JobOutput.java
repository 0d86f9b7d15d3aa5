package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * What a job's runs produced: the error, the result, the process's exit code and last output, the
 * progress reported. Most jobs held are pending and have none of it, so they share {@link #NONE}
 * (which is never written: {@link JobRecord} makes a job its own on the first thing worth keeping)
 * instead of carrying eight empty fields each, 28 bytes a job.
 */
final class JobOutput {
  static final JobOutput NONE = new JobOutput();

  String error = "";
  ByteString result = ByteString.EMPTY;
  @Nullable Integer exitCode;
  /** The last bytes of a process's output, both streams as read, and each apart. */
  ByteString outputTail = ByteString.EMPTY;
  ByteString stdoutTail = ByteString.EMPTY;
  ByteString stderrTail = ByteString.EMPTY;
  @Nullable Double progress;
  String progressMessage = "";
}
