package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.spc.proto.Job;
import dev.spc.proto.JobState;
import dev.spc.proto.store.StoredJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A job's stored row ({@link Persistence.JobRow}) as bytes, written straight from its record: its
 * fixed part once ({@link #encodeFixed}), and its state at every change ({@link #encode}):
 * the serialized {@link StoredJob} whose job holds {@link Views#storedState}'s fields, plus the
 * lease it runs under. A durable coordinator stores two or three states a job, so this skips the
 * builders, the built messages and their second walk when serialized (a quarter of the loop's
 * time in a durable burn-down went to building them). Fields go in number order and defaults are
 * left out, as protobuf writes them; the tests hold it to {@link Views#storedState} and
 * {@link Views#storedFixed} byte for byte.
 * Loop thread only: one scratch buffer.
 */
final class StateRows {
  private byte[] scratch = new byte[512];

  /** Writes some of a message's fields. */
  @FunctionalInterface
  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  /** A job's state row: its changing fields and, while it runs, its lease. */
  byte[] encode(JobRecord j) {
    LeaseRecord lease = j.state == JobState.JOB_STATE_RUNNING ? j.lease : null;
    if (lease == null) {
      return storedJob(out -> writeJob(out, j), 0, r -> {});
    }
    int leaseSize = int64Size(StoredJob.LEASE_ID_FIELD_NUMBER, lease.id)
        + int64Size(StoredJob.MAX_SECONDS_FIELD_NUMBER, lease.maxSeconds)
        + int64Size(StoredJob.AGENT_INSTANCE_FIELD_NUMBER, lease.worker.instanceId);
    return storedJob(out -> writeJob(out, j), leaseSize, r -> {
      writeInt64(r, StoredJob.LEASE_ID_FIELD_NUMBER, lease.id);
      writeInt32(r, StoredJob.MAX_SECONDS_FIELD_NUMBER, lease.maxSeconds);
      writeInt64(r, StoredJob.AGENT_INSTANCE_FIELD_NUMBER, lease.worker.instanceId);
    });
  }

  /**
   * A job's fixed part as stored ({@link Persistence.JobRow#fixed}): the serialized
   * {@link StoredJob} of {@link Views#storedFixed} and the batch the job came in. Built once a
   * job, on its first row; written here for the same reason as the state (building the messages
   * and walking them again to serialize them was half of the durable writer's Java time).
   */
  byte[] encodeFixed(JobRecord j) {
    if (j.batchKey.isEmpty()) {
      return storedJob(out -> writeFixedJob(out, j), 0, r -> {});
    }
    int batchSize = CodedOutputStream.computeStringSize(StoredJob.BATCH_KEY_FIELD_NUMBER, j.batchKey)
        + int64Size(StoredJob.BATCH_INDEX_FIELD_NUMBER, j.batchIndex);
    return storedJob(out -> writeFixedJob(out, j), batchSize, r -> {
      r.writeString(StoredJob.BATCH_KEY_FIELD_NUMBER, j.batchKey);
      writeInt32(r, StoredJob.BATCH_INDEX_FIELD_NUMBER, j.batchIndex);
    });
  }

  /**
   * A serialized {@link StoredJob}: its job, of the fields {@code job} writes (into the scratch
   * buffer first, to learn its size), then the {@code afterSize} bytes of fields {@code after}
   * writes.
   */
  private byte[] storedJob(Fields job, int afterSize, Fields after) {
    while (true) {
      try {
        CodedOutputStream out = CodedOutputStream.newInstance(scratch);
        job.write(out);
        int jobSize = out.getTotalBytesWritten();
        byte[] row = new byte[CodedOutputStream.computeTagSize(StoredJob.JOB_FIELD_NUMBER)
            + CodedOutputStream.computeUInt32SizeNoTag(jobSize) + jobSize + afterSize];
        CodedOutputStream r = CodedOutputStream.newInstance(row);
        r.writeTag(StoredJob.JOB_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        r.writeUInt32NoTag(jobSize);
        r.writeRawBytes(scratch, 0, jobSize);
        after.write(r);
        r.checkNoSpaceLeft();
        return row;
      } catch (CodedOutputStream.OutOfSpaceException e) {
        scratch = Arrays.copyOf(scratch, scratch.length * 2); // long output tails, a large payload
      } catch (IOException e) {
        throw new UncheckedIOException(e); // writing to an array: out of space is the only failure
      }
    }
  }

  /** {@link Views#storedFixed}'s fields, in field-number order; the spec is always there. */
  private static void writeFixedJob(CodedOutputStream out, JobRecord j) throws IOException {
    writeString(out, Job.JOB_ID_FIELD_NUMBER, j.id());
    out.writeMessage(Job.SPEC_FIELD_NUMBER, j.spec);
    writeTime(out, Job.SUBMITTED_AT_FIELD_NUMBER, j.submittedAt);
    writeString(out, Job.RERUN_OF_FIELD_NUMBER, j.origin.rerunOf());
    writeInt32(out, Job.MAX_ATTEMPTS_FIELD_NUMBER, j.maxAttempts);
    Instant scheduledFor = j.origin.scheduledFor();
    if (scheduledFor != null) {
      writeString(out, Job.SCHEDULE_ID_FIELD_NUMBER, j.origin.scheduleId());
      writeTime(out, Job.SCHEDULED_FOR_FIELD_NUMBER, scheduledFor);
    }
  }

  /** {@link Views#storedState}'s fields, in field-number order. */
  private static void writeJob(CodedOutputStream out, JobRecord j) throws IOException {
    JobOutput o = j.out();
    writeEnum(out, Job.STATE_FIELD_NUMBER, j.state.getNumber());
    writeEnum(out, Job.DONE_REASON_FIELD_NUMBER, j.reason.getNumber());
    writeString(out, Job.WORKER_FIELD_NUMBER, j.worker);
    writeString(out, Job.ERROR_FIELD_NUMBER, o.error);
    writeBytes(out, Job.RESULT_FIELD_NUMBER, o.result);
    writeTime(out, Job.STARTED_AT_FIELD_NUMBER, j.startedAt);
    writeTime(out, Job.FINISHED_AT_FIELD_NUMBER, j.finishedAt);
    if (o.exitCode != null) { // optional: present even when zero
      out.writeInt32(Job.EXIT_CODE_FIELD_NUMBER, o.exitCode);
    }
    writeBytes(out, Job.OUTPUT_TAIL_FIELD_NUMBER, o.outputTail);
    if (o.progress != null) {
      out.writeDouble(Job.PROGRESS_FIELD_NUMBER, o.progress);
      writeString(out, Job.PROGRESS_MESSAGE_FIELD_NUMBER, o.progressMessage);
    }
    writeInt32(out, Job.ATTEMPT_FIELD_NUMBER, j.attempt);
    if (j.attempts != null) {
      for (var a : j.attempts) {
        out.writeMessage(Job.ATTEMPTS_FIELD_NUMBER, a);
      }
    }
    writeTime(out, Job.NEXT_ATTEMPT_AT_FIELD_NUMBER, j.nextAttemptAt);
    writeBytes(out, Job.STDOUT_TAIL_FIELD_NUMBER, o.stdoutTail);
    writeBytes(out, Job.STDERR_TAIL_FIELD_NUMBER, o.stderrTail);
    if (j.dependencyOutcomes != null) {
      for (var d : Dependencies.outcomes(j, Long.MAX_VALUE)) {
        out.writeMessage(Job.DEPENDENCIES_FIELD_NUMBER, d);
      }
    }
  }

  /**
   * The size of an int32 or int64 field as {@link #writeInt32} and {@link #writeInt64} write it:
   * none when zero; a negative value takes ten bytes either way (an int32 is sign-extended).
   */
  private static int int64Size(int field, long value) {
    return value == 0 ? 0 : CodedOutputStream.computeInt64Size(field, value);
  }

  private static void writeEnum(CodedOutputStream out, int field, int value) throws IOException {
    if (value != 0) {
      out.writeEnum(field, value);
    }
  }

  private static void writeInt32(CodedOutputStream out, int field, int value) throws IOException {
    if (value != 0) {
      out.writeInt32(field, value);
    }
  }

  private static void writeInt64(CodedOutputStream out, int field, long value) throws IOException {
    if (value != 0) {
      out.writeInt64(field, value);
    }
  }

  private static void writeString(CodedOutputStream out, int field, String value) throws IOException {
    if (!value.isEmpty()) {
      out.writeString(field, value);
    }
  }

  private static void writeBytes(CodedOutputStream out, int field, ByteString value) throws IOException {
    if (!value.isEmpty()) {
      out.writeBytes(field, value);
    }
  }

  /** A {@code google.protobuf.Timestamp} field: seconds (1) and nanos (2), when set. */
  private static void writeTime(CodedOutputStream out, int field, @Nullable Instant t) throws IOException {
    if (t == null) {
      return;
    }
    long seconds = t.getEpochSecond();
    int nanos = t.getNano();
    int size = int64Size(1, seconds) + int64Size(2, nanos);
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(size);
    writeInt64(out, 1, seconds);
    writeInt32(out, 2, nanos);
  }
}
