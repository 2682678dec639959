#!/usr/bin/env bash
# Checks that the BLAS libtorch calls for matrix multiplies is OpenBLAS, not Debian's reference BLAS
# (about 30x slower). libtorch_cpu links libblas.so.3, which Debian resolves through the alternatives
# system; a tiny C program linked the same way asks the dynamic linker which file really provides
# sgemm_, runs one 512x512 multiply through it, and reports the speed. Exits non-zero, loudly, if the
# provider is not OpenBLAS.
set -euo pipefail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/check.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
extern void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*,
                   const float*, const int*, const float*, const int*, const float*, float*, const int*);
int main(void) {
  Dl_info info;
  if (!dladdr((void*)sgemm_, &info) || !info.dli_fname) { puts("unknown"); return 2; }
  char real[4096];
  if (!realpath(info.dli_fname, real)) strncpy(real, info.dli_fname, sizeof real - 1);
  const int n = 512; const float one = 1, zero = 0;
  float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
  for (int i = 0; i < n * n; ++i) { a[i] = (float)(i % 7) / 7; b[i] = (float)(i % 5) / 5; }
  sgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);  /* warm-up */
  struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < 5; ++r) sgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  printf("%s %.1f\n", real, 5 * 2.0 * n * n * n / s / 1e9);
  return 0;
}
C
cc -O1 -o "$work/check" "$work/check.c" -lblas -ldl
read -r provider gflops < <("$work/check")

torch_blas=$(ldd /usr/lib/x86_64-linux-gnu/libtorch_cpu.so | awk '/libblas.so.3/ {print $3}')
if [[ "$provider" != *openblas* ]]; then
  echo "check-blas: FAIL: libtorch's BLAS (libblas.so.3 -> $(readlink -f "${torch_blas:-?}")) is provided by"
  echo "  $provider ($gflops GFLOP/s), not OpenBLAS: matrix multiplies will be ~30x slower."
  echo "  Fix: apt-get install libopenblas0-pthread, then"
  echo "  update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
  exit 1
fi
echo "check-blas: OK: sgemm from $provider, $gflops GFLOP/s (512x512, all cores)"
