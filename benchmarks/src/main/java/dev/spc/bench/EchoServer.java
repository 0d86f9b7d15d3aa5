package dev.spc.bench;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The transport baseline's other end: a bidirectional stream that echoes every message, in a
 * process of its own. Usage: {@code EchoServer PORT_FILE}.
 */
public final class EchoServer {
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
      .setFullMethodName("bench.Echo/Echo")
      .setRequestMarshaller(BYTES())
      .setResponseMarshaller(BYTES())
      .build();

  @SuppressWarnings("checkstyle:MethodName")
  static MethodDescriptor.Marshaller<byte[]> BYTES() {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  public static void main(String[] args) throws Exception {
    Server server = start();
    Path portFile = Path.of(args[0]);
    Path tmp = portFile.resolveSibling(portFile.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.getPort()));
    Files.move(tmp, portFile);
    server.awaitTermination();
  }

  /** An echo server on a free loopback port. */
  static Server start() throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
          @Override
          public void onNext(byte[] m) {
            out.onNext(m);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress(
            java.net.InetAddress.getLoopbackAddress(), 0))
        .directExecutor()
        .addService(service)
        .build()
        .start();
  }
}
