// BLAKE3 in pure Swift, following the structure of the BLAKE3 specification
// (https://github.com/BLAKE3-team/BLAKE3-specs): a chunk state for the chunk being filled, a stack
// of chaining values of completed subtrees (merged lazily into parent nodes), and a root output
// that can produce any number of bytes (extendable output).

/// BLAKE3 (hash, keyed_hash and derive_key modes, extendable output), streaming.
///
/// ```swift
/// var hasher = BLAKE3()
/// hasher.update(Array("hello ".utf8))
/// hasher.update("world".utf8)
/// let digest = hasher.finalize()            // 32 bytes
/// let longer = hasher.finalize(byteCount: 64) // digest is its prefix
/// ```
///
/// `finalize` does not change the state, so a hasher can be finalized, updated further, and
/// finalized again (cheap: it costs one compression per level of the tree plus one per 64 output
/// bytes). Values are plain structs: copying a hasher forks the stream.
public struct BLAKE3: Sendable {
    /// The default digest length in bytes.
    public static let outputByteCount = 32

    /// The key words: the IV for `hash`, the key for `keyed_hash`, the context key for `derive_key`.
    private let key: BLAKE3Words8
    /// The mode flag (0, KEYED_HASH or DERIVE_KEY_MATERIAL) that is set on every compression.
    private let flags: UInt32

    // Chunk state: the chunk currently being filled.
    private var chunkCV: BLAKE3Words8
    private var chunkCounter: UInt64 = 0
    /// Bytes not yet compressed (at most one block). Bytes past `bufferLength` are always zero.
    private var buffer: BLAKE3BlockBuffer = (0, 0, 0, 0, 0, 0, 0, 0)
    private var bufferLength = 0
    private var blocksCompressed = 0

    /// Chaining values of completed subtrees, largest (leftmost) first. Its length is the number of
    /// one bits of `chunkCounter`, so it never exceeds 64 entries.
    private var stack: [BLAKE3Words8] = []

    /// A hasher in the default `hash` mode.
    public init() {
        self.init(key: .iv, flags: 0)
    }

    /// A hasher in `keyed_hash` mode (a MAC / PRF).
    ///
    /// - Parameter key: exactly 32 bytes.
    /// - Throws: `BLAKE3Error.invalidKeyLength` if `key` is not 32 bytes long.
    public init(key: [UInt8]) throws(BLAKE3Error) {
        guard key.count == 32 else { throw .invalidKeyLength(key.count) }
        let words = key.withUnsafeBytes { BLAKE3Words8(littleEndianBytes: $0) }
        self.init(key: words, flags: BLAKE3Flags.keyedHash)
    }

    /// A hasher in `derive_key` mode: the input is the key material, and `deriveKeyContext` a
    /// hardcoded, globally unique, application-specific context string (hashed as UTF-8).
    ///
    /// Note: this is BLAKE3's own KDF mode; it is *not* the same as hashing `context ‖ data`.
    public init(deriveKeyContext: String) {
        var contextHasher = BLAKE3(key: .iv, flags: BLAKE3Flags.deriveKeyContext)
        contextHasher.update(deriveKeyContext.utf8)
        let contextKey = contextHasher.rootOutput().rootWords()
        self.init(key: contextKey, flags: BLAKE3Flags.deriveKeyMaterial)
    }

    private init(key: BLAKE3Words8, flags: UInt32) {
        self.key = key
        self.flags = flags
        self.chunkCV = key
    }

    /// Absorbs `bytes`. Full blocks and chunks are compressed straight from the buffer; only a
    /// trailing partial block is copied into the state.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress else { return }
        var pointer = start
        var remaining = bytes.count
        while remaining > 0 {
            // The current chunk is complete and more input follows: it is not the root, so its
            // chaining value can go to the tree.
            if blocksCompressed * BLAKE3Sizes.blockLength + bufferLength == BLAKE3Sizes.chunkLength {
                finishChunk(chunkOutput().chainingValue())
            }

            // Fast path: whole chunks straight from the input. The last byte is always left for the
            // chunk state, because the final chunk may turn out to be the root.
            if blocksCompressed == 0 && bufferLength == 0 && remaining > BLAKE3Sizes.chunkLength {
                let chunkCount = (remaining - 1) / BLAKE3Sizes.chunkLength
                hashWholeChunks(pointer, count: chunkCount)
                pointer += chunkCount * BLAKE3Sizes.chunkLength
                remaining -= chunkCount * BLAKE3Sizes.chunkLength
                continue
            }

            // Bytes that belong to the current chunk (at least 1).
            let chunkLength = blocksCompressed * BLAKE3Sizes.blockLength + bufferLength
            var take = min(BLAKE3Sizes.chunkLength - chunkLength, remaining)
            remaining -= take

            if bufferLength > 0 {
                let fill = min(BLAKE3Sizes.blockLength - bufferLength, take)
                appendToBuffer(pointer, count: fill)
                pointer += fill
                take -= fill
                if take == 0 { continue }
                // The buffer is full and more bytes of this chunk follow: not the chunk's last block.
                compressBuffer()
            }

            // Full blocks straight from the input, keeping the chunk's last block (CHUNK_END) back.
            while take > BLAKE3Sizes.blockLength {
                chunkCV = blake3Compress(
                    chunkCV, BLAKE3Block(loading: pointer), counter: chunkCounter,
                    blockLength: UInt32(BLAKE3Sizes.blockLength), flags: flags | startFlag)
                blocksCompressed += 1
                pointer += BLAKE3Sizes.blockLength
                take -= BLAKE3Sizes.blockLength
            }
            appendToBuffer(pointer, count: take)
            pointer += take
        }
    }

    /// Absorbs a sequence of bytes (`[UInt8]`, `Data`, `String.UTF8View`, slices, …). Contiguous
    /// storage is hashed in place; other sequences are copied through a small stack buffer.
    @inlinable
    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { elements in
            self.update(UnsafeRawBufferPointer(elements))
        }
        if handled == nil {
            updateElementwise(bytes)
        }
    }

    /// The slow path of `update` for sequences without contiguous storage.
    @usableFromInline
    mutating func updateElementwise<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let capacity = BLAKE3Sizes.chunkLength
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { scratch in
            var count = 0
            for byte in bytes {
                scratch.initializeElement(at: count, to: byte)
                count += 1
                if count == capacity {
                    update(UnsafeRawBufferPointer(scratch))
                    count = 0
                }
            }
            update(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: scratch[0..<count])))
        }
    }

    /// The output of everything absorbed so far: `byteCount` bytes of extendable output (the
    /// first 32 are the digest; a shorter output is a prefix of a longer one). Returns `[]` for
    /// `byteCount <= 0`. Does not change the hasher, which can keep absorbing input.
    public func finalize(byteCount: Int = 32) -> [UInt8] {
        rootOutput().rootBytes(byteCount)
    }

    /// The 32-byte BLAKE3 digest (default `hash` mode) of `bytes`.
    @inlinable
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = BLAKE3()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Writes the first 24 bytes of the digest of everything absorbed followed by `suffix` into `output`
    /// without changing (or copying) the hasher — the hot path of transaction nonces, whose material
    /// differs only in its last few bytes. Returns false (writing nothing) unless the input so far and
    /// `suffix` end within the first chunk, at most 128 bytes after the last compressed block.
    func nonceDigest(appending suffix: UnsafeRawBufferPointer, into output: UnsafeMutableRawPointer) -> Bool {
        let pending = bufferLength + suffix.count
        guard stack.isEmpty, chunkCounter == 0, pending <= 2 * BLAKE3Sizes.blockLength,
            blocksCompressed * BLAKE3Sizes.blockLength + pending <= BLAKE3Sizes.chunkLength
        else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 2 * BLAKE3Sizes.blockLength, alignment: 8) { scratch in
            guard let base = scratch.baseAddress else { return false }
            base.initializeMemory(as: UInt8.self, repeating: 0, count: scratch.count)
            withUnsafeBytes(of: buffer) { base.copyMemory(from: $0.baseAddress!, byteCount: bufferLength) }
            if let source = suffix.baseAddress { (base + bufferLength).copyMemory(from: source, byteCount: suffix.count) }
            var cv = chunkCV
            var blockStart = base
            var remaining = pending
            var blockFlags = flags | startFlag
            if remaining > BLAKE3Sizes.blockLength {
                cv = blake3Compress(cv, BLAKE3Block(loading: blockStart), counter: 0,
                                    blockLength: UInt32(BLAKE3Sizes.blockLength), flags: blockFlags)
                blockStart += BLAKE3Sizes.blockLength
                remaining -= BLAKE3Sizes.blockLength
                blockFlags = flags
            }
            let root = blake3Compress(cv, BLAKE3Block(loading: blockStart), counter: 0, blockLength: UInt32(remaining),
                                      flags: blockFlags | BLAKE3Flags.chunkEnd | BLAKE3Flags.root)
            let words = (root.w0.littleEndian, root.w1.littleEndian, root.w2.littleEndian, root.w3.littleEndian,
                         root.w4.littleEndian, root.w5.littleEndian)
            withUnsafeBytes(of: words) { output.copyMemory(from: $0.baseAddress!, byteCount: 24) }
            return true
        }
    }

    // MARK: - Internals

    /// CHUNK_START for the first block of a chunk.
    private var startFlag: UInt32 {
        blocksCompressed == 0 ? BLAKE3Flags.chunkStart : 0
    }

    /// The output of the current chunk (its last, possibly partial or empty, block).
    private func chunkOutput() -> BLAKE3Output {
        BLAKE3Output(
            inputCV: chunkCV, block: BLAKE3Block(buffer), counter: chunkCounter,
            blockLength: UInt32(truncatingIfNeeded: bufferLength),
            flags: flags | startFlag | BLAKE3Flags.chunkEnd)
    }

    /// The root node: the current chunk, folded with every subtree on the stack from right to left.
    private func rootOutput() -> BLAKE3Output {
        var output = chunkOutput()
        var index = stack.count
        while index > 0 {
            index -= 1
            output = BLAKE3Output(parentOf: stack[index], output.chainingValue(), key: key, flags: flags)
        }
        return output
    }

    private mutating func appendToBuffer(_ source: UnsafeRawPointer, count: Int) {
        let offset = bufferLength
        withUnsafeMutableBytes(of: &buffer) { storage in
            UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + count)])
                .copyMemory(from: UnsafeRawBufferPointer(start: source, count: count))
        }
        bufferLength += count
    }

    /// Compresses the full buffered block (not the chunk's last one).
    private mutating func compressBuffer() {
        chunkCV = blake3Compress(
            chunkCV, BLAKE3Block(buffer), counter: chunkCounter,
            blockLength: UInt32(BLAKE3Sizes.blockLength), flags: flags | startFlag)
        blocksCompressed += 1
        buffer = (0, 0, 0, 0, 0, 0, 0, 0)
        bufferLength = 0
    }

    /// Adds the chaining value of the completed current chunk to the tree and starts the next chunk.
    /// Completed subtrees are merged while the new chunk count is even (its trailing zero bits).
    private mutating func finishChunk(_ chunkChainingValue: BLAKE3Words8) {
        var cv = chunkChainingValue
        var totalChunks = chunkCounter &+ 1
        while totalChunks & 1 == 0, let left = stack.popLast() {
            cv = BLAKE3Output(parentOf: left, cv, key: key, flags: flags).chainingValue()
            totalChunks &>>= 1
        }
        stack.append(cv)
        chunkCounter &+= 1
        chunkCV = key
        blocksCompressed = 0
        buffer = (0, 0, 0, 0, 0, 0, 0, 0)
        bufferLength = 0
    }

    /// Hashes `count` complete chunks that start at `pointer` and adds them to the tree. The chunk
    /// state must be empty, and more input must follow the last of them.
    private mutating func hashWholeChunks(_ pointer: UnsafeRawPointer, count: Int) {
        var chunkStart = pointer
        var left = count
        while left >= 4 {
            let (cv0, cv1, cv2, cv3) = blake3HashFourChunks(
                chunkStart, key: key, counter: chunkCounter, flags: flags)
            finishChunk(cv0)
            finishChunk(cv1)
            finishChunk(cv2)
            finishChunk(cv3)
            chunkStart += 4 * BLAKE3Sizes.chunkLength
            left -= 4
        }
        for _ in 0..<left {
            var cv = key
            var blockPointer = chunkStart
            for blockIndex in 0..<(BLAKE3Sizes.chunkLength / BLAKE3Sizes.blockLength) {
                var blockFlags = flags
                if blockIndex == 0 { blockFlags |= BLAKE3Flags.chunkStart }
                if blockIndex == 15 { blockFlags |= BLAKE3Flags.chunkEnd }
                cv = blake3Compress(
                    cv, BLAKE3Block(loading: blockPointer), counter: chunkCounter,
                    blockLength: UInt32(BLAKE3Sizes.blockLength), flags: blockFlags)
                blockPointer += BLAKE3Sizes.blockLength
            }
            finishChunk(cv)
            chunkStart += BLAKE3Sizes.chunkLength
        }
    }
}

extension BLAKE3Output {
    /// The first 32 bytes of root output, as words (used for the derive_key context key).
    func rootWords() -> BLAKE3Words8 {
        blake3Compress(inputCV, block, counter: 0, blockLength: blockLength, flags: flags | BLAKE3Flags.root)
    }
}

/// Errors from `BLAKE3`.
public enum BLAKE3Error: Error, CustomStringConvertible, Equatable {
    /// A `keyed_hash` key was not 32 bytes long (the associated value is the length given).
    case invalidKeyLength(Int)

    public var description: String {
        switch self {
        case .invalidKeyLength(let length):
            return "BLAKE3 keyed_hash needs a key of exactly 32 bytes, but got \(length) bytes. "
                + "Pass a 32-byte key (derive one from other material with BLAKE3(deriveKeyContext:) "
                + "and finalize(byteCount: 32) if needed)."
        }
    }
}
