package dev.spc.proto;

/**
 * Protobuf's base-128 varint, written into a byte array: for the encoders that write the
 * coordinator's stored rows and its log by hand, where a {@code CodedOutputStream} a row cost more
 * than the bytes.
 */
public final class WireBytes {
  private WireBytes() {}

  /**
   * Writes {@code v} at {@code pos} as protobuf writes a uint64 or int64 (a negative value takes
   * ten bytes) and returns the position after it. The caller leaves room: up to ten bytes.
   */
  public static int varint(byte[] buf, int pos, long v) {
    while ((v & ~0x7FL) != 0) {
      buf[pos++] = (byte) (v & 0x7F | 0x80);
      v >>>= 7;
    }
    buf[pos++] = (byte) v;
    return pos;
  }
}
