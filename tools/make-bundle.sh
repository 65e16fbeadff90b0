#!/usr/bin/env bash
# Packs a self-contained bundle for a GPU host that has no JDK, no Maven and no network:
# a jlinked Java runtime, the library jar (with libflashbutterfly.so inside when nvcc was
# present), the test classes and every test dependency, the JUnit console launcher, the
# benchmark jar, and run.sh to run the suite or the benchmark from it.
# Usage: tools/make-bundle.sh [BUNDLE_DIR]   (default: .bundle; the build runs first)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bundle=$(mkdir -p "${1:-$root/.bundle}" && cd "${1:-$root/.bundle}" && pwd)
source "$here/select-jdk.sh"

"$here/mvn" -q -DskipTests package
library_jar=$(find "$root/src/target" -maxdepth 1 -name 'flashbutterfly-*.jar' ! -name '*-tests.jar' ! -name '*-sources.jar')
if [ "$(unzip -l "$library_jar" | grep -c libflashbutterfly.so)" = 0 ]; then
  echo "warning: the library jar holds no libflashbutterfly.so (built without nvcc): native-kernel tests will fail" >&2
fi

rm -rf "$bundle/lib" "$bundle/runtime" "$bundle/run.sh"
mkdir -p "$bundle/lib"
cp "$library_jar" "$bundle/lib/flashbutterfly.jar"
cp "${library_jar%.jar}-tests.jar" "$bundle/lib/flashbutterfly-tests.jar"
cp "$root/bench/target/flashbutterfly-bench.jar" "$bundle/flashbutterfly-bench.jar"
# Test dependencies except JUnit's, which the console launcher below carries itself, and
# log4j-core, which needs java.desktop (run.sh logs through log4j-api's simple provider).
"$here/mvn" -q -pl src dependency:copy-dependencies -DincludeScope=test -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian -DexcludeArtifactIds=log4j-core -DoutputDirectory="$bundle/lib"
"$here/mvn" -q dependency:copy -N \
  -Dartifact=org.junit.platform:junit-platform-console-standalone:"$(sed -n 's:.*<junit.platform.version>\(.*\)</junit.platform.version>.*:\1:p' "$root/pom.xml")" \
  -DoutputDirectory="$bundle/launcher"
cp "$here/bundle-run.sh" "$bundle/run.sh"

"$JAVA_HOME/bin/jlink" --output "$bundle/runtime" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 \
  --add-modules java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported,jdk.zipfs

echo "bundle: $bundle ($(du -sh "$bundle" | cut -f1)); run it with $bundle/run.sh tests|bench [args]"
