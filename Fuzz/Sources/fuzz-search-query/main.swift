import FuzzDriver
import Glibc

// Built before fuzzing starts, so its allocations are not counted against the first input.
_ = SearchFixture.store
exit(caro_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in data.map { fuzzSearchQuery($0, size) } ?? 0 })
