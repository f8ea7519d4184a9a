#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-level scanning for the built-in secret rules.
enum SecretScan {
    /// A class of ASCII bytes (a predicate, so nothing is built at start-up).
    enum CharacterSet: Sendable {
        case upperAlphanumeric, alphanumeric, token, value

        func contains(_ byte: UInt8) -> Bool {
            let digit = (48...57).contains(byte)
            let upper = (65...90).contains(byte)
            let lower = (97...122).contains(byte)
            switch self {
            case .upperAlphanumeric: return digit || upper
            case .alphanumeric: return digit || upper || lower
            case .token: return digit || upper || lower || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            case .value:
                // Printable ASCII except the space and the quotes that may close a quoted argument.
                return (33...126).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
            }
        }
    }

    static let upperAlphanumeric = CharacterSet.upperAlphanumeric
    static let alphanumeric = CharacterSet.alphanumeric
    static let tokenCharacters = CharacterSet.token
    /// What may follow `Bearer ` or `password=` as the secret.
    static let valueCharacters = CharacterSet.value

    // The literals the rules look for (lower case where they match in any case).
    static let pemBegin = Array("-----BEGIN ".utf8)
    static let pemPrivateKey = Array("PRIVATE KEY-----".utf8)
    static let bearer = Array("bearer".utf8)
    static let passwordAssignment = Array("password=".utf8)
    static let passwdAssignment = Array("passwd=".utf8)
    static let mysqlPassword = Array("mysql_pwd=".utf8)
    static let passwordOption = Array("--password".utf8)
    static let passwdOption = Array("--passwd".utf8)
    static let schemeSeparator = Array("://".utf8)
    static let mysql = Array("mysql".utf8)
    static let mariadb = Array("mariadb".utf8)
    static let shortPasswordOption = Array(" -p".utf8)


    /// The first index of `needle` in `text` at or after `start` (`memchr` for the first byte, then
    /// `memcmp`: these scans run on every recorded and imported command).
    static func find(_ needle: [UInt8], in text: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start >= 0, start + needle.count <= text.count else { return nil }
        return text.withUnsafeBufferPointer { haystack -> Int? in
            needle.withUnsafeBufferPointer { pattern -> Int? in
                guard let base = haystack.baseAddress, let pattern = pattern.baseAddress else { return nil }
                let last = haystack.count - needle.count
                var index = start
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    let offset = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pattern, needle.count) == 0 { return offset }
                    index = offset + 1
                }
                return nil
            }
        }
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
    static func valuesAfter(keyword: [UInt8], separators: [UInt8], in scanned: ScannedText, requireSeparator: Bool = false)
        -> [Range<Int>]
    {
        guard scanned.mayContain(keyword) else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        let text = scanned.bytes
        // The keywords are lower case: they are found in the lower-cased copy.
        let lowered = scanned.lowered
        while let found = find(keyword, in: lowered, from: start) {
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

    /// The value of each `-pVALUE` (no space) in a command that runs mysql, mysqldump, mysqladmin or
    /// mariadb, whose `-p` option takes the password that way.
    static func mysqlShortPasswords(in text: ScannedText) -> [Range<Int>] {
        guard text.mayContain(shortPasswordOption), text.mayContain(mysql) || text.mayContain(mariadb),
            case let lowered = text.lowered,
            find(mysql, in: lowered, from: 0) != nil || find(mariadb, in: lowered, from: 0) != nil
        else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        let bytes = text.bytes
        while let found = find(shortPasswordOption, in: bytes, from: start) {
            start = found + 1
            var end = found + shortPasswordOption.count
            while end < bytes.count && (valueCharacters.contains(bytes[end]) || bytes[end] >= 128) { end += 1 }
            let value = (found + shortPasswordOption.count)..<end
            guard !value.isEmpty, !bytes[value].elementsEqual("****".utf8) else { continue }
            ranges.append(value)
            start = end
        }
        return ranges
    }

    /// The password of each `scheme://user:password@host`.
    static func urlPasswords(in text: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while let found = find(schemeSeparator, in: text, from: start) {
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
