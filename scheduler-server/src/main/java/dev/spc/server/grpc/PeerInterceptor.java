package dev.spc.server.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/** Puts the caller's address in the call's context, for logs about agents. */
public final class PeerInterceptor implements ServerInterceptor {
  static final Context.Key<SocketAddress> REMOTE_ADDR = Context.key("spc-remote-addr");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    SocketAddress addr = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return Contexts.interceptCall(Context.current().withValue(REMOTE_ADDR, addr), call, headers, next);
  }
}
