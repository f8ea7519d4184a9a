@testable import JazzProto
import Testing

/// A libwebsockets line that repeats (e.g. a failing `accept`) is logged at most once per second.
@Suite("Repeated log lines")
struct RepeatFilterTests {
    @Test func aRepeatingLineIsDeliveredOncePerSecondWithTheCountOfDroppedRepeats() {
        var filter = RepeatFilter()
        let second: UInt64 = 1_000_000_000
        #expect(filter.admit("accept: errno 24", at: 10 * second) == 0)
        for step in 1...999 { #expect(filter.admit("accept: errno 24", at: 10 * second + UInt64(step) * 1_000_000) == nil) }
        #expect(filter.admit("accept: errno 24", at: 11 * second) == 999)
        #expect(filter.admit("something else", at: 11 * second + 1) == 0)
        #expect(filter.admit("accept: errno 24", at: 11 * second + 2) == 0)
    }
}
