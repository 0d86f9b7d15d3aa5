package dev.spc.cli;

import dev.spc.client.DoneReason;
import dev.spc.client.JobStatus;
import dev.spc.client.SpcException;

/** The exit codes listed in {@code spc --help}. */
final class ExitCodes {
  static final int OK = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int TIMED_OUT = 4;
  static final int DENIED = 5;
  static final int JOB_CRASHED = 10;
  static final int JOB_TIMEOUT = 11;
  static final int JOB_CANCELLED = 12;
  static final int JOB_EXPIRED = 13;

  private ExitCodes() {}

  static int of(SpcException e) {
    return switch (e) {
      case SpcException.InvalidArgument x -> USAGE;
      case SpcException.NotFound x -> NOT_FOUND;
      case SpcException.DeadlineExceeded x -> TIMED_OUT;
      case SpcException.PermissionDenied x -> DENIED;
      default -> FAILED;
    };
  }

  static int of(JobStatus s) {
    DoneReason r = s.reason().orElse(null);
    if (r == null) {
      return NOT_FOUND;
    }
    return switch (r) {
      case DONE -> OK;
      case CRASHED -> JOB_CRASHED;
      case TIMEOUT -> JOB_TIMEOUT;
      case CANCELLED -> JOB_CANCELLED;
      case EXPIRED -> JOB_EXPIRED;
    };
  }
}
