/// The view of a CoPlainText (jazz-sync §6.6): a CoList whose items are strings, one extended grapheme
/// cluster each. The text is the concatenation of the visible items in list order; all indices are
/// element (grapheme) indices.
public struct CoPlainTextState: Sendable, Equatable {
    /// The underlying list.
    public let list: CoListState

    /// An empty text.
    public init() { list = CoListState() }

    /// Builds the view from transactions in any order (see ``CoListState``).
    public init(transactions: some Sequence<DecodedTransaction>) {
        list = CoListState(transactions: transactions)
    }

    /// Wraps an already built list.
    public init(list: CoListState) { self.list = list }

    /// The number of elements (graphemes as the writers split them).
    public var count: Int { list.count }

    /// The visible elements.
    public var entries: [CoListEntry] { list.entries }

    /// The text as JavaScript's `toString()` builds it (`items.join("")`), as a JSON string value. Items are
    /// joined at the UTF-16 level, so halves of a surrogate pair written as separate items still combine;
    /// a string that stays invalid (a lone surrogate) is the ``JSONValue/utf16String(_:)`` case.
    public var json: JSONValue { JSONValue(utf16CodeUnits: utf16) }

    /// The text (cojson `toString()`). Lone surrogates, which Swift strings cannot hold, become U+FFFD.
    public var text: String { String(decoding: utf16, as: UTF16.self) }

    /// The UTF-16 code units of the text. Non-string items are joined like JS `Array.join` does
    /// (`null` → "", numbers and booleans in their JS spelling, arrays joined with ",", objects as
    /// "[object Object]"); writers only ever store strings.
    public var utf16: [UInt16] {
        var units: [UInt16] = []
        for entry in list.entries { Self.appendJoined(entry.value, to: &units, topLevel: true) }
        return units
    }

    /// The view at time `t` (rebuilt from transactions with `madeAt ≤ t`).
    public func atTime(_ t: UInt64) -> CoPlainTextState { CoPlainTextState(list: list.atTime(t)) }

    /// The view at a frontier.
    public func atFrontier(_ frontier: [SessionID: Int]) -> CoPlainTextState {
        CoPlainTextState(list: list.atFrontier(frontier))
    }

    /// The view after adding transactions (for writers).
    public func applying(_ transactions: [DecodedTransaction]) -> CoPlainTextState {
        CoPlainTextState(list: list.applying(transactions))
    }

    private static func appendJoined(_ value: JSONValue, to units: inout [UInt16], topLevel: Bool) {
        switch value {
        case .string(let string): units.append(contentsOf: string.utf16)
        case .utf16String(let codeUnits): units.append(contentsOf: codeUnits)
        case .null: break
        case .bool(let bool): units.append(contentsOf: (bool ? "true" : "false").utf16)
        case .number: units.append(contentsOf: value.jsonStringify().utf16)
        case .array(let array):
            for (index, element) in array.enumerated() {
                if index > 0 { units.append(UInt16(UInt8(ascii: ","))) }
                appendJoined(element, to: &units, topLevel: false)
            }
        case .object: units.append(contentsOf: "[object Object]".utf16)
        }
    }
}
