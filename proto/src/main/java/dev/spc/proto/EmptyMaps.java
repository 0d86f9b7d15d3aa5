package dev.spc.proto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Gives a {@link JobSpec} without env, labels or constraints one shared, immutable empty map for
 * each, so that reading or serializing it allocates no map.
 *
 * <p>A parsed or built message keeps an absent map field as null, and protobuf's generated code
 * makes a new empty {@code MapField} (three objects) every time such a field is read: twice a map
 * each time the spec is serialized (its size, then its bytes), once for each count asked. A
 * coordinator serializes a spec into every lease, and a durable one into the job's stored row as
 * well, so these were a third of everything a coordinator allocated in a burn-down of no-op jobs
 * (upstream: protocolbuffers/protobuf#29660). Setting the field to the same empty map a built
 * message would hold changes nothing a caller can see: the message reads, compares, hashes and
 * serializes as before, and a builder made from it copies the map before changing it.
 *
 * <p>The fields are reached by their generated names; if a protobuf release renames them, this
 * does nothing ({@link #active()} says so, and a test fails).
 */
public final class EmptyMaps {
  /** Each map field's handle and the empty value to give it. */
  private record Field(VarHandle handle, Object empty) {
    void fill(JobSpec spec) {
      if (handle.get(spec) == null) {
        handle.setRelease(spec, empty);
      }
    }
  }

  private static final Field @Nullable [] FIELDS = fields();

  private static Field @Nullable [] fields() {
    try {
      MethodHandles.Lookup l = MethodHandles.privateLookupIn(JobSpec.class, MethodHandles.lookup());
      // A built message whose maps were set (to nothing) holds immutable empty map fields.
      JobSpec template = JobSpec.newBuilder().putAllEnv(Map.of()).putAllLabels(Map.of())
          .putAllConstraints(Map.of()).build();
      Field[] out = new Field[3];
      String[] names = {"env_", "labels_", "constraints_"};
      for (int i = 0; i < names.length; i++) {
        VarHandle h = l.findVarHandle(JobSpec.class, names[i], com.google.protobuf.MapField.class);
        Object empty = h.get(template);
        if (empty == null) {
          return null;
        }
        out[i] = new Field(h, empty);
      }
      return out;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // a protobuf whose generated code differs: leave specs as they are
    }
  }

  private EmptyMaps() {}

  /** Whether specs are given shared empty maps (false if this protobuf's code is not as expected). */
  public static boolean active() {
    return FIELDS != null;
  }

  /**
   * {@code spec} itself, its absent maps now the shared empty ones. Another thread reading the
   * same spec meanwhile (an in-process caller's own message) sees either an absent map or the
   * shared empty one, which read alike.
   */
  public static JobSpec share(JobSpec spec) {
    Field[] fields = FIELDS;
    if (fields != null) {
      for (Field f : fields) {
        f.fill(spec);
      }
    }
    return spec;
  }
}
