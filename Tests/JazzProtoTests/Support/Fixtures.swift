import Foundation

/// Loads test fixtures from the package's `Fixtures/` folder, so tests pass on a plain clone.
enum Fixtures {
    /// The package root, found from this file's location (`Tests/JazzProtoTests/Support/`).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // JazzProtoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// The raw bytes of `Fixtures/<relativePath>`.
    static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relativePath))
    }

    /// A golden vector file from `Fixtures/jazz/`, parsed with Foundation (plain JSON objects).
    static func jazz(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: data("jazz/\(name)"), options: [.fragmentsAllowed])
        guard let dictionary = object as? [String: Any] else {
            throw FixtureError.notAnObject(name)
        }
        return dictionary
    }

    /// Reports how many vectors of a file section a test exercised (visible in the test log).
    static func report(_ file: String, _ section: String, count: Int) {
        print("[vectors] \(file) \(section): \(count) checked")
    }
}

enum FixtureError: Error, CustomStringConvertible {
    case notAnObject(String)
    case missingField(String)

    var description: String {
        switch self {
        case .notAnObject(let name): return "Fixture \(name) is not a JSON object; re-copy it from ../shared/jazz-vectors/."
        case .missingField(let field): return "Fixture field \(field) is missing or has the wrong type."
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    /// A required string field of a fixture object.
    func string(_ key: String) throws -> String {
        guard let value = self[key] as? String else { throw FixtureError.missingField(key) }
        return value
    }

    /// A required array-of-objects field of a fixture object.
    func objects(_ key: String) throws -> [[String: Any]] {
        guard let value = self[key] as? [[String: Any]] else { throw FixtureError.missingField(key) }
        return value
    }

    /// A required object field of a fixture object.
    func object(_ key: String) throws -> [String: Any] {
        guard let value = self[key] as? [String: Any] else { throw FixtureError.missingField(key) }
        return value
    }
}

/// Lowercase hex of bytes, and back.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func decode(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(nibble(high) << 4 | nibble(low)))
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> Int {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A") + 10)
        default: return 0
        }
    }
}
