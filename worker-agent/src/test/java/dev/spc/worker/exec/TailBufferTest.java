package dev.spc.worker.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TailBufferTest {
  @Test
  void keepsTheLastBytesInOrder_acrossWrapsAndLargeWrites() {
    TailBuffer t = new TailBuffer(5);
    t.write("abc".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 3);
    assertEquals("abc", new String(t.snapshot(), java.nio.charset.StandardCharsets.UTF_8));
    t.write("defg".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 4);
    assertEquals("cdefg", new String(t.snapshot(), java.nio.charset.StandardCharsets.UTF_8));
    t.write("0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8), 2, 8);
    assertEquals("56789", new String(t.snapshot(), java.nio.charset.StandardCharsets.UTF_8));
    t.write("xy".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 2);
    assertEquals("789xy", new String(t.snapshot(), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(17, t.total());
  }
}
