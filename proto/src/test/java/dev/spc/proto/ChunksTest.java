package dev.spc.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunksTest {
  static JobResult result(long lease, int bytes) {
    return JobResult.newBuilder().setLeaseId(lease).setResult(ByteString.copyFrom(new byte[bytes])).build();
  }

  @Test
  void smallItems_goInOneRun() {
    List<JobResult> items = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      items.add(result(i, 10));
    }
    assertEquals(List.of(items), Chunks.of(items));
  }

  @Test
  void largeItems_areSplitIntoRunsUnderTheLimit_inOrder_noneLost() {
    List<JobResult> items = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      items.add(result(i, 512 * 1024));
    }
    List<List<JobResult>> runs = Chunks.of(items);
    assertTrue(runs.size() >= 11, "32 MiB in runs of at most 3 MiB: " + runs.size());
    List<JobResult> joined = new ArrayList<>();
    for (List<JobResult> run : runs) {
      WorkerMessage m = WorkerMessage.newBuilder().setResults(JobResults.newBuilder().addAllResults(run)).build();
      assertTrue(m.getSerializedSize() <= Chunks.MAX_MESSAGE_BYTES, "message of " + m.getSerializedSize());
      joined.addAll(run);
    }
    assertEquals(items, joined);
  }

  @Test
  void anItemOverTheLimit_goesAlone() {
    List<JobResult> items = List.of(result(1, 10), result(2, 2000), result(3, 10));
    assertEquals(List.of(List.of(items.get(0)), List.of(items.get(1)), List.of(items.get(2))),
        Chunks.of(items, 1000));
  }

  @Test
  void nothing_givesNoRun() {
    assertEquals(List.of(), Chunks.of(List.<JobResult>of()));
  }
}
