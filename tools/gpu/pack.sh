#!/usr/bin/env bash
# Builds here and packs what the GPU machine runs into .device/carry.tar.xz
# (ignored by git; name it in the device tool's `carry`): the gemma4rt and
# gpu_tests binaries, the shared libraries of this machine's packages they
# need, and the plans (tools/gpu/make-plans.sh). The CUDA libraries (driver,
# cuBLASLt, NVRTC, NCCL) are opened at run time and come from the GPU machine
# (device-run.sh finds them). The plans' kernel images are
# mostly alike: xz's 64 MiB window finds them across plans (~40x). The plans find their checkpoints under
# test/models, which travels with the tree. Usage: tools/gpu/pack.sh [ARCH]
# G4_BUILD_DIR (default build) and G4_STAGE (default .device: carry
# $G4_STAGE/carry.tar.xz) let several builds be packed side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${G4_BUILD_DIR:-build}
stage=${G4_STAGE:-.device} # the plans are compiled where they will lie: their checkpoint_dir is relative
ninja -C "$build" -j"$(nproc)" gemma4c gemma4rt gpu_tests
rm -rf "$stage" && mkdir -p $stage/bin $stage/lib
cp $build/bin/gemma4rt $build/bin/gpu_tests $stage/bin/
strip $stage/bin/*
# glibc and libstdc++ are newer there; cpp-httplib, sentencepiece and theirs may be missing.
ldd $stage/bin/* | awk '/=> \// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|libdl|libpthread|librt|ld-linux[^/]*)\.so' |
  xargs -r -I{} cp -L {} $stage/lib/
G4_BUILD_DIR=$build tools/gpu/make-plans.sh $stage/plans "${1:-sm_90a}"
tar cf - -C $stage bin lib plans | xz -T0 -9 >$stage/carry.tar.xz
rm -rf $stage/bin $stage/lib $stage/plans # unpacked, they would overflow the device tool's 64 MiB
ls -la $stage/carry.tar.xz
