package dev.spc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmptyMapsTest {
  private static final int[] MAPS = {
      JobSpec.ENV_FIELD_NUMBER, JobSpec.LABELS_FIELD_NUMBER, JobSpec.CONSTRAINTS_FIELD_NUMBER};

  private static JobSpec parsed(JobSpec s) throws InvalidProtocolBufferException {
    return JobSpec.parseFrom(s.toByteArray());
  }

  @Test
  void isActive_withThisProtobuf() {
    assertTrue(EmptyMaps.active(), "the generated JobSpec's map fields were not found by name");
  }

  @Test
  void aSpecWithoutMaps_readsTheSameMapEveryTime_andSharesIt() throws Exception {
    JobSpec plain = parsed(JobSpec.newBuilder().setType("noop").build());
    for (int f : MAPS) { // why: each read of an absent map makes a new one
      assertNotSame(plain.internalGetMapFieldReflection(f), plain.internalGetMapFieldReflection(f));
    }
    JobSpec a = EmptyMaps.share(parsed(JobSpec.newBuilder().setType("a").build()));
    JobSpec b = EmptyMaps.share(JobSpec.newBuilder().setType("b").setPriority(3).build());
    for (int f : MAPS) {
      assertSame(a.internalGetMapFieldReflection(f), a.internalGetMapFieldReflection(f));
      assertSame(a.internalGetMapFieldReflection(f), b.internalGetMapFieldReflection(f));
    }
  }

  @Test
  void aSharedSpec_readsComparesAndSerializesAsBefore() throws Exception {
    JobSpec before = JobSpec.newBuilder().setType("noop").addArgs("x")
        .setPayload(ByteString.copyFromUtf8("p")).setPriority(2).setIdempotencyKey("k").build();
    JobSpec shared = EmptyMaps.share(parsed(before));
    assertEquals(before, shared);
    assertEquals(shared, before);
    assertEquals(before.hashCode(), shared.hashCode());
    assertArrayEquals(before.toByteArray(), shared.toByteArray());
    assertEquals(before.getSerializedSize(), shared.getSerializedSize());
    assertEquals(0, shared.getEnvCount() + shared.getLabelsCount() + shared.getConstraintsCount());
    assertEquals(Map.of(), shared.getEnvMap());
    assertEquals("", shared.getLabelsOrDefault("team", ""));
    assertThrows(UnsupportedOperationException.class, () -> shared.getEnvMap().put("a", "b"));
    assertEquals(before.toString(), shared.toString());
  }

  @Test
  void changingABuilderMadeFromASharedSpec_changesNoOtherSpec() throws Exception {
    JobSpec one = EmptyMaps.share(parsed(JobSpec.newBuilder().setType("one").build()));
    JobSpec other = EmptyMaps.share(parsed(JobSpec.newBuilder().setType("other").build()));
    JobSpec changed = one.toBuilder().putEnv("A", "1").putLabels("team", "x").putConstraints("gpu", "yes")
        .build();
    JobSpec merged = JobSpec.newBuilder().mergeFrom(other).putEnv("B", "2").build();
    assertEquals(Map.of("A", "1"), changed.getEnvMap());
    assertEquals(Map.of("team", "x"), changed.getLabelsMap());
    assertEquals(Map.of("gpu", "yes"), changed.getConstraintsMap());
    assertEquals(Map.of("B", "2"), merged.getEnvMap());
    for (JobSpec s : new JobSpec[] {one, other}) {
      assertEquals(0, s.getEnvCount() + s.getLabelsCount() + s.getConstraintsCount());
    }
    assertEquals(0, EmptyMaps.share(JobSpec.newBuilder().build()).getEnvCount());
  }

  @Test
  void aSpecWithMaps_keepsThem() throws Exception {
    JobSpec s = EmptyMaps.share(parsed(JobSpec.newBuilder().setType("t").putEnv("A", "1")
        .putLabels("team", "x").build()));
    assertEquals(Map.of("A", "1"), s.getEnvMap());
    assertEquals(Map.of("team", "x"), s.getLabelsMap());
    assertEquals(Map.of(), s.getConstraintsMap());
    assertEquals(s, parsed(s));
  }
}
