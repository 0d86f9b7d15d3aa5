package dev.spc.server.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Request fields from a path and a query string: {@code state=JOB_STATE_PENDING},
 * {@code labels.team=billing} (a map entry), {@code job_ids=a&job_ids=b} (a repeated field),
 * {@code selector.type=email} (a field of a message field). Names are the proto names or their
 * JSON names; values are read as the protobuf JSON mapping reads strings (numbers, booleans,
 * enum names, durations like {@code 30s}).
 */
final class RequestFields {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private RequestFields() {}

  /** Thrown for a parameter no field of the request has, or a value its field cannot take. */
  static final class BadField extends Exception {
    BadField(String message) {
      super(message, null, false, false);
    }
  }

  /** Merges {@code params} (name to its values, in order) into {@code into}. */
  static void merge(Message.Builder into, Map<String, List<String>> params) throws BadField {
    if (params.isEmpty()) {
      return;
    }
    JsonObject root = new JsonObject();
    for (Map.Entry<String, List<String>> e : params.entrySet()) {
      put(root, into.getDescriptorForType(), e.getKey(), e.getValue());
    }
    try {
      PARSER.merge(root.toString(), into);
    } catch (InvalidProtocolBufferException e) {
      throw new BadField("a parameter's value does not fit its field: " + e.getMessage());
    }
  }

  private static void put(JsonObject root, Descriptor type, String name, List<String> values)
      throws BadField {
    String[] parts = name.split("\\.", -1);
    JsonObject at = root;
    Descriptor d = type;
    for (int i = 0; i < parts.length; i++) {
      FieldDescriptor f = field(d, parts[i]);
      if (f == null) {
        throw new BadField("unknown parameter '" + name + "': " + d.getFullName()
            + " has no field '" + parts[i] + "'");
      }
      boolean last = i == parts.length - 1;
      if (f.isMapField()) {
        if (last) {
          throw new BadField("parameter '" + name + "' is a map: give each entry as " + name
              + ".KEY=VALUE");
        }
        JsonObject map = child(at, f.getJsonName());
        String key = String.join(".", java.util.Arrays.copyOfRange(parts, i + 1, parts.length));
        map.add(key, new JsonPrimitive(values.getLast()));
        return;
      }
      if (!last) {
        if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) {
          throw new BadField("unknown parameter '" + name + "': '" + parts[i] + "' has no fields");
        }
        at = child(at, f.getJsonName());
        d = f.getMessageType();
        continue;
      }
      if (f.isRepeated()) {
        JsonArray arr = at.has(f.getJsonName()) ? at.getAsJsonArray(f.getJsonName()) : new JsonArray();
        for (String v : values) {
          arr.add(new JsonPrimitive(v));
        }
        at.add(f.getJsonName(), arr);
      } else {
        at.add(f.getJsonName(), new JsonPrimitive(values.getLast()));
      }
    }
  }

  private static JsonObject child(JsonObject at, String name) {
    JsonElement e = at.get(name);
    if (e instanceof JsonObject o) {
      return o;
    }
    JsonObject o = new JsonObject();
    at.add(name, o);
    return o;
  }

  private static @Nullable FieldDescriptor field(Descriptor d, String name) {
    FieldDescriptor f = d.findFieldByName(name);
    if (f != null) {
      return f;
    }
    for (FieldDescriptor g : d.getFields()) {
      if (g.getJsonName().equals(name)) {
        return g;
      }
    }
    return null;
  }

  /** A raw query string's parameters, decoded, in order; repeated names keep every value. */
  static Map<String, List<String>> query(@Nullable String raw) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq),
          java.nio.charset.StandardCharsets.UTF_8);
      String v = eq < 0 ? "true" : java.net.URLDecoder.decode(pair.substring(eq + 1),
          java.nio.charset.StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new java.util.ArrayList<>()).add(v);
    }
    return out;
  }
}
