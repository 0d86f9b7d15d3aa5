package dev.spc.server.grpc;

import dev.spc.server.loop.Failure;
import dev.spc.server.loop.Reply;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/** Answers one unary call from the loop: maps the value, or the failure to a status. */
final class GrpcReply<T, R> implements Reply<T> {
  private final StreamObserver<R> observer;
  private final Function<T, R> map;

  GrpcReply(StreamObserver<R> observer, Function<T, R> map) {
    this.observer = observer;
    this.map = map;
    if (observer instanceof ServerCallStreamObserver<R> s) {
      s.setOnCancelHandler(() -> {}); // a late answer to a cancelled call is simply dropped
    }
  }

  static <R> GrpcReply<R, R> of(StreamObserver<R> observer) {
    return new GrpcReply<>(observer, Function.identity());
  }

  @Override
  public void ok(T value) {
    try {
      observer.onNext(map.apply(value));
      observer.onCompleted();
    } catch (RuntimeException e) {
      // the call was cancelled or already closed; nothing to tell
    }
  }

  @Override
  public void fail(Failure failure) {
    try {
      observer.onError(status(failure).asRuntimeException());
    } catch (RuntimeException e) {
      // the call was cancelled or already closed
    }
  }

  static Status status(Failure failure) {
    Status.Code code = switch (failure.code()) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case INTERNAL -> Status.Code.INTERNAL;
    };
    return Status.fromCode(code).withDescription(failure.message());
  }
}
