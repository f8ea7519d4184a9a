import FuzzDriver
import Glibc

exit(caro_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in data.map { fuzzHistoryImport($0, size) } ?? 0 })
