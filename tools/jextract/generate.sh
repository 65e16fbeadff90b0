#!/usr/bin/env bash
# Regenerates bindings/java from the CUDA 13 headers and cuda/include/flashbutterfly.h with
# jextract (https://github.com/openjdk/jextract). The *.args files beside this script list what
# each binding includes: add a function there, run this script, commit the output.
#
# Usage: [ONLY="fbnative ..."] tools/jextract/generate.sh [JEXTRACT] [CUDA_INCLUDE_DIR ...]
#   JEXTRACT defaults to `jextract` on PATH; include dirs default to $CUDA_HOME/include and
#   /usr/local/cuda/include. cufftXt.h, cufft.h and cublas_v2.h must be in one of them, unless
#   ONLY names the packages to regenerate (of cudart, cufft, cublas, fbnative) and leaves theirs out.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jextract=${1:-jextract}
shift || true
includes=("$@")
if [ ${#includes[@]} -eq 0 ]; then
  includes=("${CUDA_HOME:-/usr/local/cuda}/include" /usr/local/cuda/targets/x86_64-linux/include)
fi
find_header() {
  for dir in "${includes[@]}" "$root/cuda/include"; do [ -f "$dir/$1" ] && { echo "$dir/$1"; return; }; done
  echo "header $1 not found in: ${includes[*]}" >&2; exit 1
}
include_flags=()
for dir in "${includes[@]}"; do include_flags+=(-I "$dir"); done

out="$root/bindings/java"
pkg_root=io.flashbutterfly.bindings
only=${ONLY:-cudart cufft cublas fbnative}
mkdir -p "$out"

# Parsed as freestanding C: <stdint.h> then comes from clang itself, whatever the system's
# libclang and libc layout (some pairings hide int64_t otherwise). These headers need no more.
generate() { # $1: package suffix, $2: header class name, $3: header name, $4: args file
  case " $only " in *" $1 "*) ;; *) return 0 ;; esac
  rm -rf "$out/io/flashbutterfly/bindings/$1"
  "$jextract" -D__STDC_HOSTED__=0 "${include_flags[@]}" -I "$root/cuda/include" \
    --target-package "$pkg_root.$1" --header-class-name "$2" \
    --output "$out" "@$here/$4" "$(find_header "$3")"
}
generate cudart CudaRuntime cuda_runtime_api.h cudart.args
generate cufft Cufft cufftXt.h cufft.args
generate cublas Cublas cublas_v2.h cublas.args
generate fbnative FlashButterflyNative flashbutterfly.h flashbutterfly.args
# jextract for JDK 25 emits SymbolLookup.findOrThrow (JDK 23+). The library targets --release 22,
# so spell it as jextract's jdk22 branch does: find(name).orElseThrow(UnsatisfiedLinkError).
find "$out/io/flashbutterfly/bindings" -name '*.java' -exec sed -i -E \
  's/SYMBOL_LOOKUP\.findOrThrow\(("[A-Za-z0-9_]+")\)/SYMBOL_LOOKUP.find(\1).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + \1))/' {} +
echo "bindings written to $out/io/flashbutterfly/bindings ($(find "$out" -name '*.java' | wc -l) files)"
