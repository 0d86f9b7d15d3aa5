package dev.spc.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fold's index against a plain map of the same rows, through many growths. */
class SeqRefsTest {
  @Test
  void rowsAndDeletions_readBackAsAMapOfThemWould() {
    SeqRefs refs = new SeqRefs();
    Map<Long, long[]> expected = new HashMap<>(); // seq -> {fixed, state}, state -2 deleted
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < 300_000; i++) {
      // mostly runs of neighbours, some far apart (a page each), some negative
      long seq = rnd.nextInt(8) == 0 ? (long) rnd.nextInt(100_000) << rnd.nextInt(1, 40) : rnd.nextInt(-300, 200_000);
      if (rnd.nextInt(5) == 0) {
        refs.delete(seq);
        expected.put(seq, new long[] {SeqRefs.NONE, -2});
      } else {
        long fixed = rnd.nextBoolean() ? SeqRefs.NONE : rnd.nextLong(1L << 40);
        long state = rnd.nextLong(1L << 40);
        refs.put(seq, fixed, state);
        long[] e = expected.get(seq);
        long keep = e == null || e[1] == -2 ? SeqRefs.NONE : e[0];
        expected.put(seq, new long[] {fixed != SeqRefs.NONE ? fixed : keep, state});
      }
    }
    long[] live = expected.entrySet().stream().filter(e -> e.getValue()[1] != -2)
        .mapToLong(Map.Entry::getKey).sorted().toArray();
    assertArrayEquals(live, refs.liveSorted());
    for (var e : expected.entrySet()) {
      long seq = e.getKey();
      assertTrue(refs.has(seq));
      if (e.getValue()[1] == -2) {
        assertTrue(refs.deleted(seq));
        assertEquals(SeqRefs.NONE, refs.fixed(seq));
      } else {
        assertFalse(refs.deleted(seq));
        assertEquals(e.getValue()[0], refs.fixed(seq), "fixed of " + seq);
        assertEquals(e.getValue()[1], refs.state(seq), "state of " + seq);
      }
    }
    assertFalse(refs.has(-1_000_000)); // no page
    long gap = 0;
    while (expected.containsKey(gap)) {
      gap++;
    }
    assertFalse(refs.has(gap)); // on a page of neighbours that have rows
    assertFalse(refs.deleted(gap));
    assertEquals(SeqRefs.NONE, refs.fixed(gap));
  }
}
