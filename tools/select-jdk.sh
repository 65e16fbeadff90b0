# Sourced by tools/mvn and tools/java: exports JAVA_HOME pointing at a JDK 22 or newer.
# Order: JAVA_HOME if it is 22+, the `java` on PATH if it is 22+, then the newest JDK under
# the usual install roots. Fails with a clear message when none is found.

java_major() { # $1: a java launcher; prints its feature version (17, 22, 25, ...)
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1
}

fb_select_jdk() {
  local candidate major best="" best_major=0
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ]; then
      major=$(java_major "$candidate/bin/java")
      if [ "${major:-0}" -ge 22 ]; then export JAVA_HOME="$candidate"; return 0; fi
    fi
  done
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -x "$candidate/bin/javac" ] || continue
    major=$(java_major "$candidate/bin/java")
    if [ "${major:-0}" -gt "$best_major" ]; then best="$candidate"; best_major="$major"; fi
  done
  if [ "$best_major" -ge 22 ]; then export JAVA_HOME="$best"; return 0; fi
  echo "flashbutterfly needs a JDK 22 or newer (the FFM API); none found in JAVA_HOME, PATH or /usr/lib/jvm." >&2
  echo "Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  return 1
}

fb_select_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
