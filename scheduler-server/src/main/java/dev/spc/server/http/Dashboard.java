package dev.spc.server.http;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.Headers;
import dev.spc.server.auth.Identity;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The web dashboard's files: one HTML page and its scripts and style, plain ES modules with no
 * build step (docs/dashboard.md says why), read once from the jar. They hold no data: every
 * number they show comes from the HTTP/JSON API with the signed-in caller's token, so serving
 * them needs no credentials. A strict content security policy lets the page load only its own
 * files and talk only to this port.
 */
final class Dashboard {
  /** A file and its content type. */
  record Asset(byte[] body, String type) {}

  private static final String ROOT = "/dev/spc/server/web/";
  private static final Map<String, Asset> ASSETS = Map.of(
      "/", load("index.html", "text/html; charset=utf-8"),
      "/ui/app.js", load("app.js", "text/javascript; charset=utf-8"),
      "/ui/lib.js", load("lib.js", "text/javascript; charset=utf-8"),
      "/ui/pages.js", load("pages.js", "text/javascript; charset=utf-8"),
      "/ui/chart.js", load("chart.js", "text/javascript; charset=utf-8"),
      "/ui/app.css", load("app.css", "text/css; charset=utf-8"),
      "/ui/favicon.svg", load("favicon.svg", "image/svg+xml"));

  private Dashboard() {}

  /** The file served at {@code path}, or null. */
  static @Nullable Asset asset(String path) {
    return ASSETS.get(path);
  }

  /** Headers for an asset: no caching across versions, and what the page may load. */
  static void headers(Headers h, Asset a) {
    h.set("Cache-Control", "no-cache");
    h.set("X-Content-Type-Options", "nosniff");
    if (a.type().startsWith("text/html")) {
      h.set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self';"
          + " img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'");
      h.set("Referrer-Policy", "no-referrer");
    }
  }

  /** {@code GET /v1/session}: whether credentials are checked, and the caller's role. */
  static byte[] session(boolean auth, Identity who) {
    JsonObject o = new JsonObject();
    o.addProperty("auth", auth);
    o.addProperty("role", who.role().label());
    o.addProperty("name", who.label());
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Asset load(String name, String type) {
    try (InputStream in = Dashboard.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
      }
      return new Asset(in.readAllBytes(), type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
