package dev.spc.proto;

import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.Status;

/** A client call whose end is seen (and may be restated) before its listener hears of it. */
final class CallEnds {
  private CallEnds() {}

  /** Sees a call end; returns the status the caller's listener is given. */
  interface Hook {
    /**
     * @param answered whether the server sent headers: the connection worked, whatever ended it
     */
    Status ended(Status status, Metadata trailers, boolean answered);
  }

  static <Q, R> ClientCall<Q, R> watch(ClientCall<Q, R> call, Hook hook) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          private boolean answered;

          @Override
          public void onHeaders(Metadata h) {
            answered = true;
            super.onHeaders(h);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            super.onClose(hook.ended(status, trailers, answered), trailers);
          }
        }, headers);
      }
    };
  }
}
