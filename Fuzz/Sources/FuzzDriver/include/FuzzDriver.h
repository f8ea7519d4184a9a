#ifndef CARO_FUZZ_DRIVER_H
#define CARO_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// One fuzz input: libFuzzer's `LLVMFuzzerTestOneInput` signature.
typedef int (*caro_fuzz_callback)(const uint8_t *data, size_t size);

/// Runs libFuzzer (its `LLVMFuzzerRunDriver`) on `callback` with the process's arguments, so a Swift
/// executable keeps its own `main` (SwiftPM links debug executables through `<module>_main`).
int caro_fuzz_main(int argc, char **argv, caro_fuzz_callback callback);

#endif
