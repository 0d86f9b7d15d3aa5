package dev.spc.proto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class WireBytesTest {
  @Test
  void varint_isWhatProtobufWrites_atEveryLengthAndForNegatives() throws Exception {
    long[] values = {0, 1, 127, 128, 300, 16_383, 16_384, (1L << 21) - 1, 1L << 21, Integer.MAX_VALUE,
        1L << 35, (1L << 56) - 1, 1L << 56, Long.MAX_VALUE, -1, Long.MIN_VALUE, Integer.MIN_VALUE};
    for (long v : values) {
      byte[] want = new byte[10];
      CodedOutputStream out = CodedOutputStream.newInstance(want);
      out.writeUInt64NoTag(v);
      int n = out.getTotalBytesWritten();
      byte[] got = new byte[13];
      assertEquals(3 + n, WireBytes.varint(got, 3, v), "the position after " + v);
      assertArrayEquals(Arrays.copyOf(want, n), Arrays.copyOfRange(got, 3, 3 + n), "the bytes of " + v);
    }
  }
}
