package dev.spc.server.loop;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import dev.spc.proto.Job;
import dev.spc.proto.JobState;
import dev.spc.proto.WireBytes;
import dev.spc.proto.store.StoredJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>The fields are written by hand into one scratch buffer, then copied once into the row behind
 * the job field's tag and length: a protobuf encoder a row (two, with the scratch) and strings
 * turned into bytes before they were copied were a fifth of the loop's allocation in a durable
 * burn-down. Nested messages (the spec, attempts, dependencies' outcomes) are written by protobuf.
 * Loop thread only: one scratch buffer.
 */
final class StateRows {
  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private byte[] buf = new byte[512];
  private int pos;

  /** A job's state row: its changing fields and, while it runs, its lease. */
  byte[] encode(JobRecord j) {
    pos = 0;
    writeJob(j);
    int jobSize = pos;
    LeaseRecord lease = j.state == JobState.JOB_STATE_RUNNING ? j.lease : null;
    if (lease != null) {
      int64(StoredJob.LEASE_ID_FIELD_NUMBER, lease.id);
      int64(StoredJob.MAX_SECONDS_FIELD_NUMBER, lease.maxSeconds);
      int64(StoredJob.AGENT_INSTANCE_FIELD_NUMBER, lease.worker.instanceId);
    }
    return row(jobSize);
  }

  /**
   * A job's fixed part as stored ({@link Persistence.JobRow#fixed}): the serialized
   * {@link StoredJob} of {@link Views#storedFixed} and the batch the job came in. Built once a
   * job, on its first row; written here for the same reason as the state (building the messages
   * and walking them again to serialize them was half of the durable writer's Java time).
   */
  byte[] encodeFixed(JobRecord j) {
    pos = 0;
    writeFixedJob(j);
    int jobSize = pos;
    if (!j.batchKey.isEmpty()) {
      string(StoredJob.BATCH_KEY_FIELD_NUMBER, j.batchKey);
      int64(StoredJob.BATCH_INDEX_FIELD_NUMBER, j.batchIndex);
    }
    return row(jobSize);
  }

  /**
   * The serialized {@link StoredJob} of what the scratch buffer holds: its job (the first
   * {@code jobSize} bytes) as field 1, then the fields written after it.
   */
  private byte[] row(int jobSize) {
    int head = 1 + CodedOutputStream.computeUInt32SizeNoTag(jobSize);
    byte[] row = new byte[head + pos];
    row[0] = (byte) (StoredJob.JOB_FIELD_NUMBER << 3 | LEN);
    WireBytes.varint(row, 1, jobSize);
    System.arraycopy(buf, 0, row, head, pos);
    return row;
  }

  /** {@link Views#storedFixed}'s fields, in field-number order; the spec is always there. */
  private void writeFixedJob(JobRecord j) {
    string(Job.JOB_ID_FIELD_NUMBER, j.id());
    message(Job.SPEC_FIELD_NUMBER, j.spec);
    time(Job.SUBMITTED_AT_FIELD_NUMBER, j.submittedAt);
    string(Job.RERUN_OF_FIELD_NUMBER, j.origin.rerunOf());
    int64(Job.MAX_ATTEMPTS_FIELD_NUMBER, j.maxAttempts);
    Instant scheduledFor = j.origin.scheduledFor();
    if (scheduledFor != null) {
      string(Job.SCHEDULE_ID_FIELD_NUMBER, j.origin.scheduleId());
      time(Job.SCHEDULED_FOR_FIELD_NUMBER, scheduledFor);
    }
  }

  /** {@link Views#storedState}'s fields, in field-number order. */
  private void writeJob(JobRecord j) {
    JobOutput o = j.out();
    int64(Job.STATE_FIELD_NUMBER, j.state.getNumber());
    int64(Job.DONE_REASON_FIELD_NUMBER, j.reason.getNumber());
    string(Job.WORKER_FIELD_NUMBER, j.worker);
    string(Job.ERROR_FIELD_NUMBER, o.error);
    bytes(Job.RESULT_FIELD_NUMBER, o.result);
    time(Job.STARTED_AT_FIELD_NUMBER, j.startedAt);
    time(Job.FINISHED_AT_FIELD_NUMBER, j.finishedAt);
    if (o.exitCode != null) { // optional: present even when zero
      tag(Job.EXIT_CODE_FIELD_NUMBER, WireFormat.WIRETYPE_VARINT);
      varint(o.exitCode);
    }
    bytes(Job.OUTPUT_TAIL_FIELD_NUMBER, o.outputTail);
    if (o.progress != null) {
      tag(Job.PROGRESS_FIELD_NUMBER, WireFormat.WIRETYPE_FIXED64);
      long bits = Double.doubleToRawLongBits(o.progress);
      for (int i = 0; i < 8; i++) {
        buf[pos++] = (byte) (bits >>> (8 * i)); // little-endian; tag() left room for these
      }
      string(Job.PROGRESS_MESSAGE_FIELD_NUMBER, o.progressMessage);
    }
    int64(Job.ATTEMPT_FIELD_NUMBER, j.attempt);
    if (j.attempts != null) {
      for (var a : j.attempts) {
        message(Job.ATTEMPTS_FIELD_NUMBER, a);
      }
    }
    time(Job.NEXT_ATTEMPT_AT_FIELD_NUMBER, j.nextAttemptAt);
    bytes(Job.STDOUT_TAIL_FIELD_NUMBER, o.stdoutTail);
    bytes(Job.STDERR_TAIL_FIELD_NUMBER, o.stderrTail);
    if (j.dependencyOutcomes != null) {
      for (var d : Dependencies.outcomes(j, Long.MAX_VALUE)) {
        message(Job.DEPENDENCIES_FIELD_NUMBER, d);
      }
    }
  }

  /** Room for {@code n} more bytes in the scratch buffer. */
  private void ensure(int n) {
    if (buf.length - pos < n) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n)); // long output tails, a large payload
    }
  }

  /** A tag, with room after it for a varint or a fixed64. */
  private void tag(int field, int wireType) {
    ensure(5 + 10);
    varint(field << 3 | wireType);
  }

  /** Needs the room: {@link #tag} leaves it. */
  private void varint(long v) {
    pos = WireBytes.varint(buf, pos, v);
  }

  /**
   * An int32, int64 or enum field, left out when zero; an int32 is sign-extended as protobuf
   * writes it, so a negative one takes ten bytes.
   */
  private void int64(int field, long value) {
    if (value != 0) {
      tag(field, WireFormat.WIRETYPE_VARINT);
      varint(value);
    }
  }

  /** A string field, left out when empty: ASCII copied as it is, anything else as UTF-8. */
  private void string(int field, String value) {
    int n = value.length();
    if (n == 0) {
      return;
    }
    tag(field, LEN);
    int start = pos;
    ensure(5 + n);
    varint(n);
    for (int i = 0; i < n; i++) {
      char c = value.charAt(i);
      if (c >= 0x80) {
        pos = start;
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        ensure(5 + utf8.length);
        varint(utf8.length);
        System.arraycopy(utf8, 0, buf, pos, utf8.length);
        pos += utf8.length;
        return;
      }
      buf[pos++] = (byte) c;
    }
  }

  private void bytes(int field, ByteString value) {
    int n = value.size();
    if (n != 0) {
      tag(field, LEN);
      varint(n);
      ensure(n);
      value.copyTo(buf, pos);
      pos += n;
    }
  }

  private void message(int field, MessageLite m) {
    int n = m.getSerializedSize();
    tag(field, LEN);
    varint(n);
    ensure(n);
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(buf, pos, n);
      m.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an array of its exact size: cannot fail
    }
    pos += n;
  }

  /** A {@code google.protobuf.Timestamp} field: seconds (1) and nanos (2), when set. */
  private void time(int field, @Nullable Instant t) {
    if (t == null) {
      return;
    }
    long seconds = t.getEpochSecond();
    int nanos = t.getNano();
    int size = (seconds == 0 ? 0 : CodedOutputStream.computeInt64Size(1, seconds))
        + (nanos == 0 ? 0 : CodedOutputStream.computeInt32Size(2, nanos));
    tag(field, LEN);
    varint(size);
    ensure(size);
    int64(1, seconds);
    int64(2, nanos);
  }
}
