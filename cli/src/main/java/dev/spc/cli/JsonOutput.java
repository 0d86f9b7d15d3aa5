package dev.spc.cli;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.MethodDescriptor;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code --output json}: every message the coordinator answers a client command with, printed as
 * one line of JSON in the protobuf JSON mapping (what grpcurl and the HTTP API show), and nothing
 * else on standard output. A list reply (jobs, workers, schedules) prints one line per item, so
 * {@code jq} and {@code while read} see one job per line. Errors still go to standard error and
 * set the exit code.
 */
final class JsonOutput implements ClientInterceptor {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
  private static @Nullable JsonOutput current;

  private final PrintStream out;
  /** What standard output is while this prints JSON: nowhere. */
  private final PrintStream quiet =
      new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);

  private JsonOutput(PrintStream out) {
    this.out = out;
  }

  /**
   * Takes standard output over for JSON (the command's own text goes nowhere) and returns the
   * interceptor that prints the answers.
   */
  static synchronized JsonOutput start() {
    JsonOutput j = current;
    if (j == null || System.out != j.quiet) { // first, or standard output was put back since
      j = new JsonOutput(System.out);
      System.setOut(j.quiet);
      current = j;
    }
    return j;
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options,
      Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<A> listener, io.grpc.Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onMessage(A message) {
            if (message instanceof Message m) {
              print(m);
            }
            super.onMessage(message);
          }
        }, headers);
      }
    };
  }

  synchronized void print(Message m) {
    try {
      List<?> items = items(m);
      if (items == null) {
        out.println(PRINTER.print(m));
      } else {
        for (Object item : items) {
          out.println(PRINTER.print((Message) item));
        }
      }
      out.flush();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName(), e);
    }
  }

  /**
   * The items of a list reply: its one repeated message field, when its other fields are at most
   * a next page token; null for any other message.
   */
  static @Nullable List<?> items(Message m) {
    FieldDescriptor list = null;
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      if (f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isMapField()) {
        if (list != null) {
          return null;
        }
        list = f;
      } else if (!f.getName().equals("next_page_token")) {
        return null;
      }
    }
    return list == null ? null : (List<?>) m.getField(list);
  }
}
