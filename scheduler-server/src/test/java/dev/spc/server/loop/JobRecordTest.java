package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import dev.spc.proto.JobSpec;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A job's output is shared while empty and its own from the first thing worth keeping. */
class JobRecordTest {
  static JobRecord job() {
    return new JobRecord(1, new JobIds("x"), JobSpec.newBuilder().setType("t").build(), Instant.EPOCH);
  }

  @Test
  void emptyWrites_keepTheSharedNone_andLeaveItEmpty() {
    JobRecord j = job();
    j.error("");
    j.result(ByteString.EMPTY);
    j.process(null, ByteString.EMPTY, ByteString.EMPTY, ByteString.EMPTY);
    assertSame(JobOutput.NONE, j.out());
  }

  @Test
  void theFirstRealWrite_makesItsOwn_andLaterEmptyWritesClearIt() {
    JobRecord a = job();
    JobRecord b = job();
    a.error("boom");
    a.process(3, ByteString.copyFromUtf8("out"), ByteString.copyFromUtf8("o"), ByteString.EMPTY);
    b.progress(0.5, "half");
    assertNotSame(JobOutput.NONE, a.out());
    assertEquals("boom", a.out().error);
    assertEquals(3, a.out().exitCode);
    assertEquals(0.5, b.out().progress);
    assertEquals("", b.out().error);
    a.error(""); // a retry's next attempt succeeding
    assertEquals("", a.out().error);
    assertEquals("", JobOutput.NONE.error);
    assertNull(JobOutput.NONE.exitCode);
    assertNull(JobOutput.NONE.progress);
    assertEquals(ByteString.EMPTY, JobOutput.NONE.outputTail);
  }
}
