package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.spc.proto.JobSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The paged index of jobs by sequence agrees with a plain map under any mix of changes. */
class JobIndexTest {
  static final JobIds IDS = new JobIds("x", 3);
  static final JobSpec SPEC = JobSpec.newBuilder().setType("t").build();

  static JobRecord job(long seq) {
    return new JobRecord(seq, IDS, SPEC, Instant.EPOCH);
  }

  @Test
  void agreesWithAMap_acrossPagesTermsAndGaps() {
    JobIndex index = new JobIndex();
    Map<Long, JobRecord> model = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    long[] bases = {JobIds.base(1), JobIds.base(2), JobIds.base(3)};
    for (int step = 0; step < 200_000; step++) {
      long seq = bases[random.nextInt(bases.length)] + random.nextInt(5 * JobIndex.PAGE);
      if (random.nextInt(3) == 0) {
        index.remove(seq);
        model.remove(seq);
      } else {
        JobRecord j = job(seq);
        index.put(j);
        model.put(seq, j);
      }
      long probe = bases[random.nextInt(bases.length)] + random.nextInt(6 * JobIndex.PAGE);
      assertSame(model.get(probe), index.get(probe), "seq " + probe);
    }
    assertEquals(model.size(), index.size());
    Set<JobRecord> walked = new HashSet<>(index.all());
    assertEquals(model.size(), index.all().size());
    assertEquals(new HashSet<>(model.values()), walked, "every job walked once");
  }

  @Test
  void aPageEmptiedIsGone_andComesBackWhenNeeded() {
    JobIndex index = new JobIndex();
    for (long s = 1; s <= 3 * JobIndex.PAGE; s++) {
      index.put(job(s));
    }
    for (long s = 1; s <= 3 * JobIndex.PAGE; s++) {
      index.remove(s);
      assertNull(index.get(s));
    }
    assertEquals(0, index.size());
    assertEquals(0, index.all().size());
    assertEquals(false, index.all().iterator().hasNext());
    index.put(job(5));
    assertEquals(5, index.get(5).seq);
    index.remove(12_345_678); // never held: nothing happens
    index.remove(5);
    index.remove(5);
    assertEquals(0, index.size());
    assertNull(index.get(-1));
  }

  @Test
  void aJobIdIsFormattedFromItsSequence() {
    assertEquals("x-3-42", job(JobIds.base(3) + 42).id());
  }
}
