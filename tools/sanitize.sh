#!/usr/bin/env bash
# Runs the GPU tests (tag gpu) from a bundle under NVIDIA's compute-sanitizer, on a GPU host.
# Usage: tools/sanitize.sh [memcheck|racecheck|initcheck|synccheck] [BUNDLE_DIR] [launcher options]
# API errors are not reported: the tests provoke some on purpose (out of memory, bad device).
# Exits non-zero when the sanitizer reports an error or a test fails; its summary is printed last.
set -euo pipefail
tool=${1:-memcheck}
bundle=${2:-$(cd "$(dirname "$0")/.." && pwd)/.bundle}
shift $(( $# >= 2 ? 2 : $# ))
sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
[ -x "$sanitizer" ] || { echo "compute-sanitizer not found (PATH, /usr/local/cuda/bin)" >&2; exit 2; }
exec "$sanitizer" --tool "$tool" --target-processes all --error-exitcode 99 --print-limit 50 \
  --report-api-errors no \
  "$bundle/run.sh" tests "${REPORTS:-$bundle/reports-$tool}" --include-tag gpu "$@"
