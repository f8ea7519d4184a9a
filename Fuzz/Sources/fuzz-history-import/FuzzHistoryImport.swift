import CaroKit

/// The bash, zsh and fish history parsers (`caro history import`) on the same bytes: none traps, and each
/// reports commands and unparseable lines in file order with line numbers inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHistoryImport(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    for shell in HistoryShell.allCases {
        let result = shell.historyParser.parse(bytes)
        let entryLines = result.entries.map(\.line)
        guard entryLines.allSatisfy({ (1...lines).contains($0) }), entryLines == entryLines.sorted(),
            result.unparseableLines.allSatisfy({ (1...lines).contains($0) }),
            result.unparseableLines == result.unparseableLines.sorted()
        else {
            fatalError("\(shell): line numbers out of order or outside 1...\(lines): entries \(entryLines), "
                + "unparseable \(result.unparseableLines) (input: \(bytes))")
        }
        for entry in result.entries where entry.durationMs.map({ $0 < 0 }) == true {
            fatalError("\(shell): negative duration \(entry) (input: \(bytes))")
        }
    }
    return 0
}
