package dev.spc.it;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What grpcurl does for a command line, in Java: find the service and message types through
 * server reflection (v1), turn the JSON request into a message, call, print the JSON response.
 * Used to run the README's grpcurl lines as written, since no grpcurl binary is packaged for
 * this machine's registries.
 */
final class Grpcurl {
  private final ManagedChannel base;
  /** {@link #base} with the current command's {@code -H} headers. */
  private io.grpc.Channel channel;

  Grpcurl(ManagedChannel channel) {
    this.base = channel;
    this.channel = channel;
  }

  /** Splits a shell command line: single and double quotes, backslash escapes, $VAR expansion. */
  static List<String> words(String line, Map<String, String> env) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        cur.append(line, i + 1, end);
        i = end;
        inWord = true;
      } else if (c == '"') {
        i++;
        for (; line.charAt(i) != '"'; i++) {
          char d = line.charAt(i);
          if (d == '\\') {
            cur.append(line.charAt(++i));
          } else if (d == '$') {
            int j = i + 1;
            while (j < line.length() && (Character.isLetterOrDigit(line.charAt(j)) || line.charAt(j) == '_')) {
              j++;
            }
            cur.append(env.getOrDefault(line.substring(i + 1, j), ""));
            i = j - 1;
          } else {
            cur.append(d);
          }
        }
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(cur.toString());
          cur.setLength(0);
          inWord = false;
        }
      } else {
        cur.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      out.add(cur.toString());
    }
    return out;
  }

  /**
   * The channel grpcurl opens for these words ({@code args} without "grpcurl"), to {@code target}:
   * plaintext with {@code -plaintext}, else TLS trusting {@code -cacert} (the system's roots
   * without it) and presenting {@code -cert} and {@code -key} if given.
   */
  static ManagedChannel channel(List<String> args, String target) throws IOException {
    if (args.contains("-plaintext")) {
      return io.grpc.Grpc.newChannelBuilder(target, io.grpc.InsecureChannelCredentials.create())
          .build();
    }
    io.grpc.TlsChannelCredentials.Builder tls = io.grpc.TlsChannelCredentials.newBuilder();
    int ca = args.indexOf("-cacert");
    if (ca >= 0) {
      tls.trustManager(new java.io.File(args.get(ca + 1)));
    }
    int cert = args.indexOf("-cert");
    int key = args.indexOf("-key");
    if (cert >= 0 && key >= 0) {
      tls.keyManager(new java.io.File(args.get(cert + 1)), new java.io.File(args.get(key + 1)));
    }
    return io.grpc.Grpc.newChannelBuilder(target, tls.build()).build();
  }

  /** Runs {@code grpcurl <args>} (the words after "grpcurl"); returns what it would print. */
  String run(List<String> args) throws Exception {
    String data = null;
    long maxTimeMs = 0;
    List<String> positional = new ArrayList<>();
    io.grpc.Metadata headers = new io.grpc.Metadata();
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "-plaintext" -> { }
        case "-cacert", "-cert", "-key" -> i++; // the channel was opened with them (channel())
        case "-H" -> {
          String h = args.get(++i);
          int colon = h.indexOf(':');
          headers.put(io.grpc.Metadata.Key.of(h.substring(0, colon).strip(),
              io.grpc.Metadata.ASCII_STRING_MARSHALLER), h.substring(colon + 1).strip());
        }
        case "-d" -> data = args.get(++i);
        case "-max-time" -> maxTimeMs = (long) (Double.parseDouble(args.get(++i)) * 1000);
        default -> positional.add(args.get(i));
      }
    }
    channel = io.grpc.ClientInterceptors.intercept(base,
        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    if (positional.size() == 2 && positional.get(1).equals("list")) {
      return String.join("\n", listServices()) + "\n";
    }
    String symbol = positional.get(1);
    int slash = symbol.lastIndexOf('/');
    String service = symbol.substring(0, slash);
    String method = symbol.substring(slash + 1);
    Descriptors.MethodDescriptor md = describe(service).findMethodByName(method);
    if (md == null) {
      throw new IllegalArgumentException("no method " + symbol);
    }
    DynamicMessage.Builder req = DynamicMessage.newBuilder(md.getInputType());
    if (data != null) {
      JsonFormat.parser().merge(data, req);
    }
    boolean streaming = md.isServerStreaming();
    MethodDescriptor<DynamicMessage, DynamicMessage> call = MethodDescriptor
        .<DynamicMessage, DynamicMessage>newBuilder()
        .setType(streaming ? MethodDescriptor.MethodType.SERVER_STREAMING
            : MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
        .setRequestMarshaller(marshaller(md.getInputType()))
        .setResponseMarshaller(marshaller(md.getOutputType()))
        .build();
    CallOptions opts = CallOptions.DEFAULT;
    if (maxTimeMs > 0) {
      opts = opts.withDeadlineAfter(maxTimeMs, TimeUnit.MILLISECONDS);
    }
    if (streaming) {
      StringBuilder sb = new StringBuilder();
      var it = ClientCalls.blockingServerStreamingCall(channel, call, opts, req.build());
      while (it.hasNext()) {
        sb.append(JsonFormat.printer().print(it.next())).append('\n');
      }
      return sb.toString();
    }
    DynamicMessage resp = ClientCalls.blockingUnaryCall(channel, call, opts, req.build());
    return JsonFormat.printer().print(resp) + "\n";
  }

  private static MethodDescriptor.Marshaller<DynamicMessage> marshaller(Descriptors.Descriptor type) {
    return new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(DynamicMessage value) {
        return value.toByteString().newInput();
      }

      @Override
      public DynamicMessage parse(InputStream stream) {
        try {
          return DynamicMessage.parseFrom(type, stream);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  private List<String> listServices() throws Exception {
    ServerReflectionResponse r = ask(ServerReflectionRequest.newBuilder().setListServices("").build());
    return r.getListServicesResponse().getServiceList().stream()
        .map(io.grpc.reflection.v1.ServiceResponse::getName).sorted().toList();
  }

  private Descriptors.ServiceDescriptor describe(String service) throws Exception {
    ServerReflectionResponse r = ask(ServerReflectionRequest.newBuilder()
        .setFileContainingSymbol(service).build());
    Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
    for (var bytes : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      FileDescriptorProto p = FileDescriptorProto.parseFrom(bytes);
      protos.put(p.getName(), p);
    }
    Map<String, Descriptors.FileDescriptor> built = new HashMap<>();
    for (String name : protos.keySet()) {
      Descriptors.FileDescriptor fd = build(name, protos, built);
      Descriptors.ServiceDescriptor sd = fd.findServiceByName(
          service.substring(service.lastIndexOf('.') + 1));
      if (sd != null && sd.getFullName().equals(service)) {
        return sd;
      }
    }
    throw new IllegalArgumentException("service not found through reflection: " + service);
  }

  private Descriptors.FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
      Map<String, Descriptors.FileDescriptor> built) throws Exception {
    Descriptors.FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto p = protos.get(name);
    if (p == null) {
      p = FileDescriptorProto.parseFrom(ask(ServerReflectionRequest.newBuilder()
          .setFileByFilename(name).build()).getFileDescriptorResponse().getFileDescriptorProto(0));
    }
    List<Descriptors.FileDescriptor> deps = new ArrayList<>();
    for (String dep : p.getDependencyList()) {
      deps.add(build(dep, protos, built));
    }
    Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(p,
        deps.toArray(Descriptors.FileDescriptor[]::new));
    built.put(name, fd);
    return fd;
  }

  private ServerReflectionResponse ask(ServerReflectionRequest req) throws Exception {
    CompletableFuture<ServerReflectionResponse> f = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            f.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    out.onNext(req);
    try {
      return f.get(10, TimeUnit.SECONDS);
    } finally {
      out.onCompleted();
    }
  }
}
