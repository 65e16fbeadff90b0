#!/usr/bin/env bash
# Runs from a bundle made by tools/make-bundle.sh (copied there as run.sh), on a host with no JDK:
#   run.sh tests [REPORTS_DIR] [launcher options]   the whole JUnit suite (GPU tests included)
#   run.sh bench [benchmark options]                 the benchmark jar
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
# The slim runtime lacks java.desktop, which log4j-core needs: log through log4j-api's simple
# provider to stderr instead.
java=("$bundle/runtime/bin/java" --enable-native-access=ALL-UNNAMED
  -Dlog4j.provider=org.apache.logging.log4j.simple.internal.SimpleProvider
  -Dlog4j2.simplelogLevel=INFO -Dlog4j2.simplelogShowDateTime=true)
mode=${1:?usage: run.sh tests|bench [args]}
shift
case "$mode" in
  tests)
    reports=${1:-$bundle/reports}
    shift || true
    classpath=$(ls "$bundle"/lib/*.jar | tr '\n' ':')
    exec "${java[@]}" -jar "$bundle"/launcher/junit-platform-console-standalone-*.jar execute \
      --class-path "$classpath" --scan-classpath "$bundle/lib/flashbutterfly-tests.jar" \
      --reports-dir "$reports" --details=tree --disable-banner --disable-ansi-colors "$@" ;;
  bench)
    exec "${java[@]}" -jar "$bundle/flashbutterfly-bench.jar" "$@" ;;
  *)
    echo "unknown mode $mode: use tests or bench" >&2; exit 2 ;;
esac
