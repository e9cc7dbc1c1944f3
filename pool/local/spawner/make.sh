#!/bin/sh
# Builds the spawner for amd64 and arm64 (spawner_amd64.elf, spawner_arm64.elf
# beside this script, and compilers, the versions that built them), which
# pool/local embeds. Run it after changing spawner.c;
# TestSpawnerIsBuiltFromItsSource checks that the two agree.
#   CC_amd64, CC_arm64: the compilers (default gcc and aarch64-linux-gnu-gcc)
set -e
cd "$(dirname "$0")"
flags="-Os -static -nostdlib -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns
 -fno-stack-protector -fno-asynchronous-unwind-tables -fno-pie -no-pie -Wall -Wextra -Werror
 -Wl,--build-id=none -Wl,-z,noseparate-code -Wl,-z,norelro -s"
out=${OUT:-.}
${CC_amd64:-gcc} $flags -o "$out/spawner_amd64.elf" spawner.c
${CC_arm64:-aarch64-linux-gnu-gcc} $flags -o "$out/spawner_arm64.elf" spawner.c
# What built them: another compiler may build other bytes.
echo "amd64 gcc $(${CC_amd64:-gcc} -dumpfullversion)" > "$out/compilers"
echo "arm64 gcc $(${CC_arm64:-aarch64-linux-gnu-gcc} -dumpfullversion)" >> "$out/compilers"
