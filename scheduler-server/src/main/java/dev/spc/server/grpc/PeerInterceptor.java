package dev.spc.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/**
 * Puts the caller's address in the call's context, for logs about agents, and the W3C trace
 * context headers a submit may carry.
 */
public final class PeerInterceptor implements ServerInterceptor {
  static final Context.Key<SocketAddress> REMOTE_ADDR = Context.key("spc-remote-addr");
  static final Context.Key<String> TRACEPARENT = Context.key("spc-traceparent");
  static final Context.Key<String> TRACESTATE = Context.key("spc-tracestate");
  static final Metadata.Key<String> TRACEPARENT_HEADER =
      Metadata.Key.of(dev.spc.common.TraceContext.TRACEPARENT, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TRACESTATE_HEADER =
      Metadata.Key.of(dev.spc.common.TraceContext.TRACESTATE, Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress addr = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    Context ctx = Context.current().withValue(REMOTE_ADDR, addr);
    String parent = headers.get(TRACEPARENT_HEADER);
    if (parent != null) {
      ctx = ctx.withValue(TRACEPARENT, parent);
      String state = headers.get(TRACESTATE_HEADER);
      if (state != null) {
        ctx = ctx.withValue(TRACESTATE, state);
      }
    }
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
