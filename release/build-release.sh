#!/usr/bin/env bash
# Builds target/spc-VERSION-linux-x64.tar.gz (run by Maven in the package phase):
#   runtime/   a Java runtime made by jlink with the modules SPC uses (no JDK needed on the host)
#   lib/       the command line's jar and every jar it needs
#   bin/spc    the launcher, on that runtime
#   systemd/   units for a coordinator and an agent
#   Containerfile, README.md
set -euo pipefail
VERSION="$1"
OUT="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
NAME="spc-$VERSION"
STAGE="$OUT/$NAME"

# The modules SPC's jars use, from `jdeps --print-module-deps` over cli/target/lib, less
# java.desktop (PostgreSQL's driver uses java.awt only for geometric types SPC never reads),
# plus jdk.naming.dns (gRPC's DNS resolver reads SRV records through it when present).
MODULES=java.base,java.naming,java.security.jgss,java.sql,jdk.httpserver,jdk.jfr,jdk.management,jdk.naming.dns,jdk.unsupported

feature() { # the feature version of the JDK at $1, or 0
  local v
  v="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1)"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

find_jdk() { # the newest JDK >= 21 with jlink: $JAVA_HOME first, then /usr/lib/jvm
  local best="" best_v=0 d v
  for d in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
    [[ -x "$d/bin/jlink" ]] || continue
    v="$(feature "$d")"
    if [[ "$v" -ge 21 && "$v" -gt "$best_v" ]]; then best="$d"; best_v="$v"; fi
  done
  [[ -n "$best" ]] && echo "$best"
}

JDK="$(find_jdk || true)"
if [[ -z "$JDK" ]]; then
  echo "build-release: no JDK >= 21 with jlink found (JAVA_HOME, /usr/lib/jvm)" >&2
  exit 1
fi
FEATURE="$(feature "$JDK")"

rm -rf "$STAGE" "$OUT/$NAME-linux-x64.tar.gz"
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/systemd"
cp "$ROOT/cli/target/spc-cli.jar" "$ROOT"/cli/target/lib/*.jar "$STAGE/lib/"
"$JDK/bin/jlink" --add-modules "$MODULES" --output "$STAGE/runtime" --strip-debug \
  --no-header-files --no-man-pages --compress=zip-6

FLAGS="--enable-native-access=ALL-UNNAMED"
if [[ "$FEATURE" -ge 24 ]]; then FLAGS="$FLAGS --sun-misc-unsafe-memory-access=allow"; fi
sed -e "s|@FLAGS@|$FLAGS|" -e "s|@VERSION@|$VERSION|" "$HERE/src/dist/spc" > "$STAGE/bin/spc"
chmod 755 "$STAGE/bin/spc"
cp "$HERE"/src/dist/systemd/*.service "$STAGE/systemd/"

# JDK 25+: the startup cache bin/spc uses (an AOT cache), from a training run on the shipped
# runtime and jars; their timestamps travel in the tarball, so the cache still fits once unpacked
# anywhere. About 15 s here, 0.3 s off every start of a coordinator, an agent or a command.
# Classes only, without the training's method profiles: they cost a coordinator a quarter of its
# throughput for good (see bin/spc in the source tree).
if [[ "$FEATURE" -ge 25 ]]; then
  # shellcheck disable=SC2086
  if ! "$STAGE/runtime/bin/java" $FLAGS -XX:AOTCacheOutput="$STAGE/lib/spc.aot" \
      -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining "-Xlog:aot*=off" \
      "-Xlog:cds*=off" -cp "$STAGE/lib/*" dev.spc.cli.local.StartupTraining >"$OUT/training.log" 2>&1 \
      || [[ ! -s "$STAGE/lib/spc.aot" ]]; then
    cat "$OUT/training.log" >&2
    echo "build-release: the startup cache's training run failed" >&2
    exit 1
  fi
fi
cp "$HERE/src/dist/Containerfile" "$HERE/src/dist/README.md" "$STAGE/"

# Reproducible order and owners, so the same build gives the same listing.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$OUT" -czf "$OUT/$NAME-linux-x64.tar.gz" "$NAME"
echo "built $OUT/$NAME-linux-x64.tar.gz ($(du -h "$OUT/$NAME-linux-x64.tar.gz" | cut -f1), runtime from $JDK)"
