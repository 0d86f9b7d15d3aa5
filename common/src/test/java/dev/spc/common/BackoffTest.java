package dev.spc.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
  /** A "random" source that always answers the same fraction. */
  static RandomGenerator fixed(double d) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public double nextDouble() {
        return d;
      }
    };
  }

  @Test
  void doublesFromTheFirstDelay_upToTheCap() {
    Backoff b = new Backoff(100, 5000);
    long[] top = new long[8];
    for (int i = 0; i < top.length; i++) {
      top[i] = b.delayMillis(i, fixed(0.999999999));
    }
    assertEquals(99, top[0]);
    assertEquals(199, top[1]);
    assertEquals(399, top[2]);
    assertEquals(3199, top[5]);
    assertEquals(4999, top[6], "capped");
    assertEquals(4999, top[7]);
    assertEquals(4999, b.delayMillis(1000, fixed(0.999999999)), "no overflow for many attempts");
  }

  @Test
  void jitterScalesEachDelayBetweenHalfAndAll() {
    Backoff b = new Backoff(50, 2000);
    assertEquals(25, b.delayMillis(0, fixed(0)));
    RandomGenerator r = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      long d = b.delayMillis(3, r);
      assertTrue(d >= 200 && d <= 400, "400ms scaled by 0.5..1.0: " + d);
    }
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(100, 10));
  }
}
