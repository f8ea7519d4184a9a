import FuzzDriver
import Glibc

// Built before fuzzing starts, so its allocations are not counted against the first input.
_ = IngestFixture.shared
exit(caro_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in data.map { fuzzIngest($0, size) } ?? 0 })
