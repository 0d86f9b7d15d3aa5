package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Ids name the store, the term and a counter; they parse back to the sequence they came from. */
class JobIdsTest {
  final JobIds ids = new JobIds("abc", 3);

  @Test
  void aTermsIds_formatAndParseBack() {
    long seq = ids.firstSeq();
    assertEquals("abc-3-1", ids.format(seq));
    assertEquals(seq, ids.parse("abc-3-1"));
    assertEquals(seq + 41, ids.parse("abc-3-42"));
    assertEquals(3L << 40 | 42, JobIds.sequenceOf("zzz-3-42"));
  }

  @Test
  void termZeroIds_keepTheFormatOfStoresFromBeforeTerms() {
    assertEquals("abc-42", ids.format(42));
    assertEquals(42L, ids.parse("abc-42"));
  }

  @Test
  void sequencesGrowWithTerms() {
    long lastOfTerm2 = JobIds.base(3) - 1;
    assertEquals("abc-2-" + ((1L << 40) - 1), ids.format(lastOfTerm2));
    assertEquals(true, lastOfTerm2 < ids.firstSeq());
  }

  @Test
  void anotherIncarnationsId_isWellFormedButNotOurs() {
    assertEquals(-1L, ids.parse("abd-3-1"));
  }

  @Test
  void malformedIds_areNull() {
    for (String bad : new String[] {"", "abc", "abc-", "abc-3-", "abc-0-5", "ABC-3-1", "abc-3-1-1",
        "abc-99999999-1", "abc-3-99999999999999", "abc-" + "1".repeat(40)}) {
      assertNull(ids.parse(bad), bad);
      assertEquals(-1, JobIds.sequenceOf(bad), bad);
    }
  }

  @Test
  void ourIdsReadWithoutTheRegularExpression_agreeWithIt() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    String alphabet = "0123456789-a";
    for (int i = 0; i < 200_000; i++) {
      StringBuilder id = new StringBuilder("abc");
      int n = random.nextInt(1, 24);
      for (int k = 0; k < n; k++) {
        id.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = id.toString();
      long regex = JobIds.sequenceOf(s);
      Long parsed = ids.parse(s);
      if (s.matches("abc-.*")) {
        assertEquals(regex < 0 ? null : regex, parsed, s);
      }
    }
    assertEquals(JobIds.base(3) + 42, ids.parse("abc-3-42"));
    assertEquals(JobIds.base(3) + 42, ids.parse("abc-0003-042"));
    assertEquals(7L, ids.parse("abc-7"));
  }

  @Test
  void termsOutsideTheLayout_areRefused() {
    assertThrows(IllegalArgumentException.class, () -> new JobIds("abc", JobIds.MAX_TERM + 1));
    assertThrows(IllegalArgumentException.class, () -> new JobIds("abc", -1));
  }
}
