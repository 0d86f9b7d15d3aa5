package dev.spc.server.http;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * The OpenAPI 3.1 document of the HTTP/JSON API, made from {@link Routes} and the protobuf
 * descriptors, so it cannot drift from what is served. Schemas follow the protobuf JSON mapping:
 * 64-bit integers and bytes are strings, enums their names, {@code Timestamp} an RFC 3339 string,
 * {@code Duration} a string like {@code 1.5s}.
 */
final class OpenApi {
  private OpenApi() {}

  static String document() {
    JsonObject doc = new JsonObject();
    doc.addProperty("openapi", "3.1.0");
    JsonObject info = new JsonObject();
    info.addProperty("title", "SPC");
    info.addProperty("version", "v1");
    info.addProperty("description", "The coordinator's HTTP/JSON API: the gRPC services of spc.v1"
        + " in the protobuf JSON mapping. Errors are {\"error\": {\"code\", \"status\","
        + " \"message\"}}. Send 'Authorization: Bearer TOKEN' when the coordinator checks tokens.");
    doc.add("info", info);
    JsonObject paths = new JsonObject();
    Deque<Descriptor> todo = new ArrayDeque<>();
    for (Routes.Route r : Routes.ALL) {
      JsonObject item = paths.has(r.template()) ? paths.getAsJsonObject(r.template()) : new JsonObject();
      item.add(r.verb().toLowerCase(java.util.Locale.ROOT), operation(r, todo));
      paths.add(r.template(), item);
    }
    doc.add("paths", paths);
    JsonObject schemas = new JsonObject();
    Set<String> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      Descriptor d = todo.pop();
      if (seen.add(d.getFullName())) {
        schemas.add(d.getFullName(), schema(d, todo));
      }
    }
    JsonObject err = new JsonObject();
    err.addProperty("type", "object");
    JsonObject inner = new JsonObject();
    inner.addProperty("type", "object");
    JsonObject props = new JsonObject();
    props.add("code", type("integer"));
    props.add("status", type("string"));
    props.add("message", type("string"));
    inner.add("properties", props);
    JsonObject errProps = new JsonObject();
    errProps.add("error", inner);
    err.add("properties", errProps);
    schemas.add("Error", err);
    JsonObject components = new JsonObject();
    components.add("schemas", schemas);
    JsonObject bearer = new JsonObject();
    bearer.addProperty("type", "http");
    bearer.addProperty("scheme", "bearer");
    JsonObject security = new JsonObject();
    security.add("bearer", bearer);
    components.add("securitySchemes", security);
    doc.add("components", components);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(doc);
  }

  private static JsonObject operation(Routes.Route r, Deque<Descriptor> todo) {
    MethodDescriptor<?, ?> m = r.method();
    Descriptor req = prototype(m.getRequestMarshaller()).getDescriptorForType();
    Descriptor resp = prototype(m.getResponseMarshaller()).getDescriptorForType();
    todo.add(req);
    todo.add(resp);
    JsonObject op = new JsonObject();
    op.addProperty("operationId", r.operationId());
    op.addProperty("summary", r.summary());
    op.addProperty("description", "gRPC: " + m.getFullMethodName());
    JsonArray params = new JsonArray();
    for (String p : r.params()) {
      params.add(param(p, "path", type("string"), true));
    }
    if (!r.body()) {
      for (FieldDescriptor f : req.getFields()) {
        if (!r.params().contains(f.getName()) && f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          params.add(param(f.getName(), "query", fieldSchema(f, todo), false));
        } else if (f.isMapField()) {
          params.add(param(f.getName() + ".KEY", "query", type("string"), false));
        }
      }
    } else {
      JsonObject body = new JsonObject();
      body.add("content", content("application/json", ref(req)));
      op.add("requestBody", body);
    }
    op.add("parameters", params);
    JsonObject responses = new JsonObject();
    JsonObject ok = new JsonObject();
    ok.addProperty("description", r.events() ? "server-sent events, one " + resp.getName()
        + " as JSON in each data line, then an 'end' event" : resp.getName());
    ok.add("content", r.events() ? content("text/event-stream", ref(resp))
        : content("application/json", ref(resp)));
    responses.add("200", ok);
    JsonObject bad = new JsonObject();
    bad.addProperty("description", "an error: the gRPC code as its HTTP status");
    JsonObject errRef = new JsonObject();
    errRef.addProperty("$ref", "#/components/schemas/Error");
    bad.add("content", content("application/json", errRef));
    responses.add("default", bad);
    op.add("responses", responses);
    return op;
  }

  private static Message prototype(MethodDescriptor.Marshaller<?> m) {
    return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) m).getMessagePrototype();
  }

  private static JsonObject param(String name, String in, JsonObject schema, boolean required) {
    JsonObject p = new JsonObject();
    p.addProperty("name", name);
    p.addProperty("in", in);
    p.addProperty("required", required);
    p.add("schema", schema);
    return p;
  }

  private static JsonObject content(String type, JsonObject schema) {
    JsonObject media = new JsonObject();
    media.add("schema", schema);
    JsonObject c = new JsonObject();
    c.add(type, media);
    return c;
  }

  private static JsonObject type(String t) {
    JsonObject o = new JsonObject();
    o.addProperty("type", t);
    return o;
  }

  private static JsonObject ref(Descriptor d) {
    JsonObject o = new JsonObject();
    o.addProperty("$ref", "#/components/schemas/" + d.getFullName());
    return o;
  }

  private static JsonObject schema(Descriptor d, Deque<Descriptor> todo) {
    JsonObject s = type("object");
    JsonObject props = new JsonObject();
    for (FieldDescriptor f : d.getFields()) {
      props.add(f.getJsonName(), fieldSchema(f, todo));
    }
    s.add("properties", props);
    return s;
  }

  private static JsonObject fieldSchema(FieldDescriptor f, Deque<Descriptor> todo) {
    if (f.isMapField()) {
      JsonObject m = type("object");
      m.add("additionalProperties", single(f.getMessageType().findFieldByName("value"), todo));
      return m;
    }
    JsonObject one = single(f, todo);
    if (!f.isRepeated()) {
      return one;
    }
    JsonObject arr = type("array");
    arr.add("items", one);
    return arr;
  }

  private static JsonObject single(FieldDescriptor f, Deque<Descriptor> todo) {
    return switch (f.getJavaType()) {
      case INT -> withFormat("integer", "int32");
      case LONG -> withFormat("string", "int64");
      case FLOAT, DOUBLE -> type("number");
      case BOOLEAN -> type("boolean");
      case STRING -> type("string");
      case BYTE_STRING -> withFormat("string", "byte");
      case ENUM -> {
        JsonObject e = type("string");
        JsonArray values = new JsonArray();
        for (EnumValueDescriptor v : f.getEnumType().getValues()) {
          values.add(v.getName());
        }
        e.add("enum", values);
        yield e;
      }
      case MESSAGE -> switch (f.getMessageType().getFullName()) {
        case "google.protobuf.Timestamp" -> withFormat("string", "date-time");
        case "google.protobuf.Duration" -> withFormat("string", "duration");
        default -> {
          todo.add(f.getMessageType());
          yield ref(f.getMessageType());
        }
      };
    };
  }

  private static JsonObject withFormat(String t, String format) {
    JsonObject o = type(t);
    o.addProperty("format", format);
    return o;
  }
}
