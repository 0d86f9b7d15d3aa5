package dev.spc.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The encoder's entries, byte for byte as protobuf writes the same fields, and read back. */
class LogFormatTest {
  private static final long[] SEQS = {0, 1, 127, 128, 16_383, 16_384, 1L << 35, Long.MAX_VALUE, -1};
  private static final int[] LENGTHS = {0, 1, 127, 128, 300, 16_383, 16_384, 70_000};

  private static byte[] random(SplittableRandom rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** The payload the encoder built (the frame without its length and checksum), checked. */
  private static byte[] payload(LogFormat.Encoder enc) {
    ByteBuffer f = enc.frame();
    byte[] p = Arrays.copyOfRange(f.array(), 8, f.limit());
    CRC32C crc = new CRC32C();
    crc.update(p);
    assertEquals(p.length, f.getInt(0));
    assertEquals((int) crc.getValue(), f.getInt(4));
    return p;
  }

  @Test
  void entries_areWrittenAsProtobufWouldWriteThem() throws IOException {
    SplittableRandom rnd = new SplittableRandom(11);
    LogFormat.Encoder enc = new LogFormat.Encoder();
    ByteArrayOutputStream want = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(want);
    for (long seq : SEQS) {
      for (int len : LENGTHS) {
        byte[] state = random(rnd, len);
        byte @Nullable [] fixed = rnd.nextBoolean() ? null : random(rnd, LENGTHS[rnd.nextInt(LENGTHS.length)]);
        enc.job(seq, fixed, state);
        out.writeUInt64(LogFormat.SEQ, seq);
        if (fixed != null) {
          out.writeByteArray(LogFormat.FIXED, fixed);
        }
        out.writeByteArray(LogFormat.STATE, state);
      }
      enc.deleted(seq);
      out.writeUInt64(LogFormat.DELETED, seq);
    }
    enc.setting("setting.é-level", "ü".repeat(100));
    out.writeString(LogFormat.KEY, "setting.é-level");
    out.writeString(LogFormat.VALUE, "ü".repeat(100));
    enc.schedule("nightly", new byte[] {1, 2, 3});
    out.writeString(LogFormat.SCHEDULE_ID, "nightly");
    out.writeByteArray(LogFormat.SCHEDULE, new byte[] {1, 2, 3});
    enc.schedule("gone", null);
    out.writeString(LogFormat.SCHEDULE_DELETED, "gone");
    enc.end(1_000_000);
    out.writeUInt64(LogFormat.END, 1_000_000);
    out.flush();
    assertArrayEquals(want.toByteArray(), payload(enc));
  }

  @Test
  void rowsCopiedFromAMappedFile_areTheBytesTheyWere() throws IOException {
    SplittableRandom rnd = new SplittableRandom(5);
    LogFormat.Encoder first = new LogFormat.Encoder();
    for (int i = 0; i < 200; i++) {
      first.job(i * 1_000_003L, random(rnd, LENGTHS[rnd.nextInt(LENGTHS.length)]), random(rnd, rnd.nextInt(400)));
    }
    // the source as a fold sees it: a direct buffer, the payload at an offset
    byte[] src = payload(first);
    ByteBuffer mapped = ByteBuffer.allocateDirect(src.length + 100);
    mapped.put(100, src);
    List<long[]> refs = new ArrayList<>();
    LogFormat.decode(mapped, 100, 100 + src.length, new Entries() {
      @Override
      public void job(long seq, int fixed, int state) {
        refs.add(new long[] {seq, fixed, state});
      }
    });
    LogFormat.Encoder copy = new LogFormat.Encoder();
    for (long[] r : refs) {
      copy.job(r[0], mapped, (int) r[1], mapped, (int) r[2]);
    }
    assertArrayEquals(src, payload(copy)); // every row carried its fixed part
    copy.clear();
    assertEquals(0, copy.size());
  }

  /** Only jobs are expected here. */
  private abstract static class Entries implements LogFormat.Entries {
    @Override
    public void deleted(long seq) {
      throw new AssertionError("deleted " + seq);
    }

    @Override
    public void schedule(String id, byte @Nullable [] stored) {
      throw new AssertionError("schedule " + id);
    }

    @Override
    public void setting(String key, String value) {
      throw new AssertionError("setting " + key);
    }
  }
}
