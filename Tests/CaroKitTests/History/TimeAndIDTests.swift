import CaroKit
import Testing

@Suite("Timestamps, time expressions and IDs")
struct TimeAndIDTests {
    @Test func formatsISO8601WithMilliseconds() {
        #expect(Timestamp.iso8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(Timestamp.iso8601(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(Timestamp.iso8601(-1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func parsesISO8601() {
        #expect(Timestamp.parseISO8601("2023-11-14T22:13:20.123Z") == 1_700_000_000_123)
        #expect(Timestamp.parseISO8601("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(Timestamp.parseISO8601("2023-11-15T00:13:20+02:00") == 1_700_000_000_000)
        #expect(Timestamp.parseISO8601("2023-11-14T22:13:20.1Z") == 1_700_000_000_100)
        // What bash's printf %(%z)T gives the shell hooks: an offset without a colon.
        #expect(Timestamp.parseISO8601("2023-11-14T23:13:20.123+0100") == 1_700_000_000_123)
        #expect(Timestamp.parseISO8601("2023-11-14T16:43:20-0530") == 1_700_000_000_000)
        for bad in ["", "next tuesday", "2026-13-45T99:00:00Z", "1700000000x", "2023-02-29", "2023-11-14T25:00Z", "2023-11-14Tx"] {
            #expect(Timestamp.parseISO8601(bad) == nil, "\(bad)")
        }
        // Round trip over a range of times.
        for milliseconds in stride(from: Int64(-5_000_000_000_000), to: 5_000_000_000_000, by: 123_456_789_013) {
            #expect(Timestamp.parseISO8601(Timestamp.iso8601(milliseconds)) == milliseconds)
        }
    }

    @Test func parsesRelativeTimes() throws {
        let now: Int64 = 1_700_000_000_000
        #expect(try TimeExpression.parse("2h", option: "--since", now: now) == now - 7_200_000)
        #expect(try TimeExpression.parse("3d", option: "--since", now: now) == now - 3 * 86_400_000)
        #expect(try TimeExpression.parse("1w", option: "--since", now: now) == now - 604_800_000)
        let today = try TimeExpression.parse("today", option: "--since", now: now)
        let yesterday = try TimeExpression.parse("yesterday", option: "--since", now: now)
        #expect(today <= now && now - today < 86_400_000)
        #expect(today - yesterday >= 23 * 3_600_000 && today - yesterday <= 25 * 3_600_000)
        #expect(throws: CaroError.self) { try TimeExpression.parse("last blue moon", option: "--since", now: now) }
    }

    @Test func makesVersion7IDsThatSortByTime() {
        let first = UUIDv7.make(milliseconds: 1_700_000_000_000)
        let second = UUIDv7.make(milliseconds: 1_700_000_000_001)
        #expect(first.count == 36)
        #expect(Array(first)[14] == "7")
        #expect("89ab".contains(Array(first)[19]))
        #expect(first < second)
        #expect(first.hasPrefix("018bcfe5-6800"))
    }

    /// Hands out the given words in order.
    struct FixedBits: RandomNumberGenerator {
        var words: [UInt64]
        mutating func next() -> UInt64 { words.removeFirst() }
    }

    @Test func writesTheRFC9562ExampleID() {
        // RFC 9562, appendix A.6: unix_ts_ms 0x017F22E279B0, rand_a 0xCC3, rand_b 0x18C4DC0C0C07398F.
        var example = FixedBits(words: [0xCC3, 0x18C4_DC0C_0C07_398F])
        #expect(UUIDv7.make(milliseconds: 0x017F_22E2_79B0, using: &example) == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f")
        var zeros = FixedBits(words: [0, 0])
        #expect(UUIDv7.make(milliseconds: 0, using: &zeros) == "00000000-0000-7000-8000-000000000000")
    }

    @Test func bufferedRandomBitsAreFreshAcrossRefills() {
        var random = UUIDv7.RandomBits()
        // 512 words per refill: 3 000 IDs cross several refills, and none may repeat.
        let ids = (0..<3_000).map { _ in UUIDv7.make(milliseconds: 1_700_000_000_000, using: &random) }
        #expect(Set(ids).count == ids.count)
        var other = UUIDv7.RandomBits()
        #expect(UUIDv7.make(milliseconds: 1, using: &other) != UUIDv7.make(milliseconds: 1, using: &random))
    }

    @Test func findsTheGitWorkTree() throws {
        let root = "/tmp/caro-workspace-\(UInt64.random(in: 0...UInt64.max))"
        try CaroKitTestFiles.makeDirectory(root + "/.git")
        try CaroKitTestFiles.makeDirectory(root + "/a/b")
        defer { CaroKitTestFiles.remove(root) }
        #expect(HistoryFilters.gitWorkTree(containing: root + "/a/b") == root)
        #expect(HistoryFilters.absolute("../x/./y/", from: "/a/b") == "/a/x/y")
    }
}
