import JazzProto

/// The BIP39 phrase parser (what `caro sync join` reads): any text is either refused with a
/// ``PassphraseError`` or decodes to entropy whose canonical phrase decodes to the same entropy. Input
/// of an entropy length also goes the other way (entropy → phrase → entropy). A refused phrase with an
/// unknown word carries at most three suggestions, all list words.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBIP39(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if [16, 20, 24, 28, 32].contains(bytes.count) {
        guard let phrase = try? BIP39.phrase(fromEntropy: bytes), let back = try? BIP39.entropy(fromPhrase: phrase), back == bytes else {
            fatalError("entropy \(bytes) does not round-trip through its phrase")
        }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        let entropy = try BIP39.entropy(fromPhrase: text)
        let canonical = try BIP39.phrase(fromEntropy: entropy)
        guard try BIP39.entropy(fromPhrase: canonical) == entropy else { fatalError("canonical phrase of \(text.debugDescription) decodes differently") }
        if entropy.count == 32 {
            guard try BIP39.secretSeed(fromPhrase: text) == entropy else { fatalError("secret seed differs from entropy for \(text.debugDescription)") }
        }
    } catch {
        guard !error.description.isEmpty else { fatalError("empty message for \(text.debugDescription)") }
        switch error {
        case .unknownWord(_, _, let suggestions):
            guard suggestions.count <= 3, suggestions.allSatisfy({ wordlist.contains($0) }) else {
                fatalError("suggestions for \(text.debugDescription) are not list words: \(suggestions)")
            }
        case .badChecksum:
            // The same words cannot be a secret seed either.
            guard (try? BIP39.secretSeed(fromPhrase: text)) == nil else { fatalError("\(text.debugDescription): bad checksum but a secret seed") }
        default:
            break
        }
    }
    return 0
}

private let wordlist = Set(BIP39.englishWordlist)
