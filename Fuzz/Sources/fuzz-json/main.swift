import FuzzDriver
import Glibc

exit(caro_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv) { data, size in data.map { fuzzJSON($0, size) } ?? 0 })
