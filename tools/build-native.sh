#!/usr/bin/env bash
# Builds cuda/ into libflashbutterfly.so with nvcc, for sm_80 and sm_90a, against the shared
# cudart. Without nvcc it says so and succeeds: the library then runs on the CPU backend.
# Usage: build-native.sh OUTPUT_DIR   (the .so lands in OUTPUT_DIR/io/flashbutterfly/native/<platform>/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out_root=${1:?usage: build-native.sh OUTPUT_DIR}

nvcc=${NVCC:-}
if [ -z "$nvcc" ]; then
  for c in "$(command -v nvcc 2>/dev/null || true)" "${CUDA_HOME:-}/bin/nvcc" "${CUDA_PATH:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
    if [ -n "$c" ] && [ -x "$c" ]; then nvcc=$c; break; fi
  done
fi
if [ -z "$nvcc" ]; then
  echo "[flashbutterfly] nvcc not found (PATH, CUDA_HOME, /usr/local/cuda): native library skipped; the GPU paths need it."
  exit 0
fi

case "$(uname -m)" in
  x86_64) platform=linux-x86_64 ;;
  aarch64) platform=linux-aarch64 ;;
  *) platform="linux-$(uname -m)" ;;
esac
out="$out_root/io/flashbutterfly/native/$platform"
mkdir -p "$out"
lib="$out/libflashbutterfly.so"

script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
sources=("$root"/cuda/src/*.cu)
headers=("$root"/cuda/include/*.h "$root"/cuda/src/*.cuh)
callbacks=("$root"/cuda/callbacks/*.cu "$root"/cuda/callbacks/*.cuh)
# Fresh when newer than every input it depends on (and than this script).
fresh() { # $1: built file, then its inputs
  local built=$1; shift
  [ -f "$built" ] || return 1
  for input in "$@" "$script"; do [ "$built" -nt "$input" ] || return 1; done
}
# Machine code for sm_80 and sm_90a plus compute_80 PTX (JIT-compiled on newer GPUs).
# FB_CUDA_ARCHS (e.g. "90a") narrows a development build to those architectures; such a build
# keeps its objects apart, so it never passes for the full one.
archs=${FB_CUDA_ARCHS:-80 90a}
gencodes=()
for arch in $archs; do gencodes+=("-gencode=arch=compute_$arch,code=sm_$arch"); done
[ -z "${FB_CUDA_ARCHS:-}" ] && gencodes+=("-gencode=arch=compute_80,code=compute_80")
objects="$out_root/native-objects${FB_CUDA_ARCHS:+-${FB_CUDA_ARCHS// /-}}"
if [ "$(cat "$out_root/native-archs" 2>/dev/null)" = "${gencodes[*]}" ] && fresh "$lib" "${sources[@]}" "${headers[@]}" && fresh "$out/fft_conv_loads.fatbin" "${callbacks[@]}" \
    && fresh "$out/fft_conv_stores.fatbin" "${callbacks[@]}"; then
  echo "[flashbutterfly] native library up to date: $lib"
  exit 0
fi
command -v nm >/dev/null || { echo "[flashbutterfly] nm (binutils) is needed to check the built library" >&2; exit 1; }

echo "[flashbutterfly] nvcc: $($nvcc --version | tail -1)"
[ -n "${FB_CUDA_ARCHS:-}" ] && echo "[flashbutterfly] FB_CUDA_ARCHS: a development build for sm_${archs// /, sm_} only (no PTX): not for other GPUs"
# Built files take the time their build started, so a source edited during the build leaves them stale.
started="$out_root/.native-build-started"
touch "$started"
# One object per source, compiled in parallel; an object newer than its source and every header
# is kept, so a change to one .cu recompiles that file alone.
mkdir -p "$objects"
compile() { # $1: source; writes its object and its resource report
  local name; name=$(basename "$1" .cu)
  fresh "$objects/$name.o" "$1" "${headers[@]}" && return 0
  local started="$objects/$name.started"
  touch "$started"
  "$nvcc" -O3 -std=c++17 -c -Xcompiler -fPIC,-fvisibility=hidden \
    $GENCODES \
    -compress-mode=size -Xptxas -warn-spills --resource-usage \
    -I "$root/cuda/include" -o "$objects/$name.o" "$1" 2> "$objects/$name.usage.txt" || {
      cat "$objects/$name.usage.txt" >&2; rm -f "$objects/$name.o"; return 1; }
  touch -r "$started" "$objects/$name.o"
}
export -f compile fresh
export nvcc root objects script
export GENCODES="${gencodes[*]}"
printf '%s\0' "${sources[@]}" | NVCC_HEADERS="${headers[*]}" \
  xargs -0 -P "$(nproc)" -I{} bash -c 'headers=($NVCC_HEADERS); compile "$1"' _ {}
cat "$objects"/*.usage.txt > "$out_root/nvcc-resource-usage.txt"
objs=()
for src in "${sources[@]}"; do objs+=("$objects/$(basename "$src" .cu).o"); done
"$nvcc" -shared -cudart shared -Xcompiler -fvisibility=hidden -o "$lib" "${objs[@]}"
touch -r "$started" "$lib"
echo "${gencodes[*]}" > "$out_root/native-archs"
# nvcc turns a __device__-only function reached from host code into a call to exit(): refuse
# such a library rather than let it end the JVM at the first launch.
if nm -D "$lib" | grep -qw 'exit'; then
  echo "[flashbutterfly] $lib calls exit(): host code reaches a __device__-only function" >&2
  rm -f "$lib"; exit 1
fi
# cuFFT's LTO callbacks, one image per file: LTO-IR for sm_80, which cuFFT's JIT link
# finalises for sm_80 and newer.
for part in loads stores; do
  "$nvcc" -std=c++17 -dc -fatbin -gencode=arch=compute_80,code=lto_80 -I "$root/cuda/include" \
    -o "$out/fft_conv_$part.fatbin" "$root/cuda/callbacks/${part%s}_callbacks.cu"
done
touch -r "$started" "$out/fft_conv_loads.fatbin" "$out/fft_conv_stores.fatbin"
echo "[flashbutterfly] built $lib (resource report: $out_root/nvcc-resource-usage.txt)"
