# The linker flags of the Android library, shared by build.sh (with the NDK)
# and check.sh (the aarch64-linux-gnu stand-in). Sourced, not run.
# - 16 KB page alignment of every LOAD segment (required on Google Play for
#   Android 15+ devices; NDK r28+ does it by default, the flag keeps older NDKs right);
# - relocations packed (Android's APS2 format, API 23+): -0.2 MB (docs/BENCHMARKS.md).
ANDROID_LINK_FLAGS="-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,--pack-dyn-relocs=android"
