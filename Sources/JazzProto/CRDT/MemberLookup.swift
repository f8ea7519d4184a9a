/// Looks up a fixed list of member names in many objects. Objects that share their stored key list
/// (the parser shares equal key lists, e.g. those of every op of one kind) reuse the positions found
/// for the previous such object instead of comparing key strings again.
struct MemberLookup {
    private let names: [String]
    /// The object the positions were found in (kept alive, so its key storage cannot be reused).
    private var owner: JSONObject?
    private var positions: [Int?]

    init(_ names: [String]) {
        self.names = names
        positions = Array(repeating: nil, count: names.count)
    }

    /// Makes ``value(_:in:)`` answer for `object`.
    mutating func prepare(_ object: JSONObject) {
        if let owner, owner.sharesKeyStorage(with: object) { return }
        for index in names.indices { positions[index] = object.index(forKey: names[index]) }
        owner = object
    }

    /// The value of the `index`-th name in `object` (the object last given to ``prepare(_:)``).
    func value(_ index: Int, in object: JSONObject) -> JSONValue? {
        positions[index].map { object.value(at: $0) }
    }
}
