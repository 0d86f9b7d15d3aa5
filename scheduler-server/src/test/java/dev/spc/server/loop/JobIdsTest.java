package dev.spc.server.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** The format as a regular expression: the spec the hand-written reader is held to. */
  static final java.util.regex.Pattern FORMAT =
      java.util.regex.Pattern.compile("([0-9a-z]{1,13})-(?:([0-9]{1,7})-)?([0-9]{1,13})");

  static long bySpec(String id) {
    java.util.regex.Matcher m = FORMAT.matcher(id);
    if (id.length() > 36 || !m.matches()) {
      return -1;
    }
    long term = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
    long counter = Long.parseLong(m.group(3));
    if (term > JobIds.MAX_TERM || counter >= 1L << 40 || (m.group(2) != null && term == 0)) {
      return -1;
    }
    return JobIds.base(term) + counter;
  }

  static String digits(java.util.SplittableRandom random, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    return b.toString();
  }

  @Test
  void idsReadByHand_agreeWithTheFormatsRegularExpression() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    String alphabet = "0123456789-aZ_";
    for (int i = 0; i < 300_000; i++) {
      StringBuilder id = new StringBuilder(random.nextBoolean() ? "abc" : "");
      int n = random.nextInt(0, 40);
      for (int k = 0; k < n; k++) {
        id.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = id.toString();
      long spec = bySpec(s);
      assertEquals(spec, JobIds.sequenceOf(s), s);
      Long parsed = ids.parse(s);
      assertEquals(spec < 0 ? null : s.startsWith("abc-") ? spec : -1L, parsed, s);
    }
    int wellFormed = 0;
    for (int i = 0; i < 100_000; i++) { // shaped like ids: prefix, maybe a term, a counter
      String s = "abcdefghijklmnopq".substring(0, random.nextInt(0, 15)) + "-"
          + (random.nextBoolean() ? digits(random, random.nextInt(0, 9)) + "-" : "")
          + digits(random, random.nextInt(0, 15));
      long spec = bySpec(s);
      wellFormed += spec >= 0 ? 1 : 0;
      assertEquals(spec, JobIds.sequenceOf(s), s);
    }
    assertTrue(wellFormed > 20_000, "well-formed ones among them: " + wellFormed);
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
