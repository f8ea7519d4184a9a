/// Byte-level scanning for the built-in secret rules.
enum SecretScan {
    /// A set of ASCII bytes, as a 128-entry table.
    struct CharacterSet: Sendable {
        let table: [Bool]
        init(_ ranges: [ClosedRange<UInt8>], extra: String = "") {
            var table = [Bool](repeating: false, count: 128)
            for range in ranges { for byte in range { table[Int(byte)] = true } }
            for byte in extra.utf8 { table[Int(byte)] = true }
            self.table = table
        }
        func contains(_ byte: UInt8) -> Bool { byte < 128 && table[Int(byte)] }
    }

    static let upperAlphanumeric = CharacterSet([48...57, 65...90])
    static let alphanumeric = CharacterSet([48...57, 65...90, 97...122])
    static let tokenCharacters = CharacterSet([48...57, 65...90, 97...122], extra: "_-")
    /// What may follow `Bearer ` or `password=` as the secret.
    static let valueCharacters = CharacterSet([35...38, 40...126], extra: "!")

    /// The first index of `needle` in `text` at or after `start`.
    static func find(_ needle: [UInt8], in text: [UInt8], from start: Int, caseInsensitive: Bool = false) -> Int? {
        guard let first = needle.first, text.count >= needle.count else { return nil }
        var index = start
        let last = text.count - needle.count
        while index <= last {
            let byte = caseInsensitive ? lower(text[index]) : text[index]
            if byte == first {
                var matched = true
                for offset in 1..<needle.count {
                    let candidate = caseInsensitive ? lower(text[index + offset]) : text[index + offset]
                    if candidate != needle[offset] {
                        matched = false
                        break
                    }
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    static func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }

    /// The token after each occurrence of `prefix` (not preceded by a letter or digit) that has
    /// `minimum`…`maximum` characters of `characters`; returns the token ranges (the prefix is kept).
    static func tokens(after prefix: [UInt8], in text: [UInt8], minimum: Int, maximum: Int, characters: CharacterSet) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while let found = find(prefix, in: text, from: start) {
            start = found + 1
            if found > 0 && alphanumeric.contains(text[found - 1]) { continue }
            var end = found + prefix.count
            while end < text.count && characters.contains(text[end]) { end += 1 }
            let length = end - found - prefix.count
            guard length >= minimum && length <= maximum else { continue }
            if end < text.count && alphanumeric.contains(text[end]) { continue }
            ranges.append((found + prefix.count)..<end)
            start = end
        }
        return ranges
    }

    /// The value after each case-insensitive `keyword` (`password=`, `Bearer `): after any of
    /// `separators` (required if `requireSeparator`), up to whitespace, or inside quotes. Values already
    /// redacted (`****`) are skipped.
    static func valuesAfter(keyword: [UInt8], separators: [UInt8], in text: [UInt8], requireSeparator: Bool = false) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while let found = find(keyword, in: text, from: start, caseInsensitive: true) {
            start = found + 1
            var index = found + keyword.count
            var separated = false
            while index < text.count && separators.contains(text[index]) {
                index += 1
                separated = true
            }
            if requireSeparator && !separated {
                // `--password=VALUE` is the assignment form.
                guard index < text.count && text[index] == UInt8(ascii: "=") else { continue }
                index += 1
            }
            var quote: UInt8?
            if index < text.count && (text[index] == UInt8(ascii: "\"") || text[index] == UInt8(ascii: "'")) {
                quote = text[index]
                index += 1
            }
            var end = index
            if let quote {
                while end < text.count && text[end] != quote { end += 1 }
            } else {
                while end < text.count && valueCharacters.contains(text[end]) || end < text.count && text[end] >= 128 { end += 1 }
            }
            guard end > index, text[index..<end].elementsEqual("****".utf8) == false else { continue }
            ranges.append(index..<end)
            start = end
        }
        return ranges
    }

    /// The password of each `scheme://user:password@host`.
    static func urlPasswords(in text: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        let separator = Array("://".utf8)
        while let found = find(separator, in: text, from: start) {
            start = found + 3
            var index = found + 3
            var colon: Int?
            while index < text.count {
                let byte = text[index]
                if byte == UInt8(ascii: "@") { break }
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") {
                    index = text.count
                    break
                }
                if byte == UInt8(ascii: ":") && colon == nil { colon = index }
                index += 1
            }
            guard index < text.count, let colon, index > colon + 1, !text[(colon + 1)..<index].elementsEqual("****".utf8) else {
                continue
            }
            ranges.append((colon + 1)..<index)
            start = index
        }
        return ranges
    }

    /// `text` with every range replaced by `****` (ranges may overlap or come in any order).
    static func redact(_ text: [UInt8], ranges: [Range<Int>]) -> [UInt8] {
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var position = 0
        for range in merged {
            result += text[position..<range.lowerBound]
            result += Array("****".utf8)
            position = range.upperBound
        }
        result += text[position...]
        return result
    }
}
