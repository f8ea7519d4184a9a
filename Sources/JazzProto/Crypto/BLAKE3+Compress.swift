// BLAKE3 compression function and tree-node outputs (internal building blocks of `BLAKE3`).
//
// Everything here works on plain `UInt32` values held in locals and small structs, so that the
// optimizer keeps the whole state in registers: no arrays, no heap allocation per block.

/// Domain-separation flags of the BLAKE3 compression function (spec §2.1).
enum BLAKE3Flags {
    static let chunkStart: UInt32 = 1 << 0
    static let chunkEnd: UInt32 = 1 << 1
    static let parent: UInt32 = 1 << 2
    static let root: UInt32 = 1 << 3
    static let keyedHash: UInt32 = 1 << 4
    static let deriveKeyContext: UInt32 = 1 << 5
    static let deriveKeyMaterial: UInt32 = 1 << 6
}

/// Sizes used by the BLAKE3 tree.
enum BLAKE3Sizes {
    static let blockLength = 64
    static let chunkLength = 1024
}

/// Eight 32-bit words: a key, or the chaining value of a chunk or parent node.
struct BLAKE3Words8: Sendable, Equatable {
    var w0, w1, w2, w3, w4, w5, w6, w7: UInt32

    /// The BLAKE3 IV (the SHA-256 IV), which is also the key of the unkeyed modes.
    static let iv = BLAKE3Words8(
        w0: 0x6A09_E667, w1: 0xBB67_AE85, w2: 0x3C6E_F372, w3: 0xA54F_F53A,
        w4: 0x510E_527F, w5: 0x9B05_688C, w6: 0x1F83_D9AB, w7: 0x5BE0_CD19)

    @inline(__always)
    init(w0: UInt32, w1: UInt32, w2: UInt32, w3: UInt32, w4: UInt32, w5: UInt32, w6: UInt32, w7: UInt32) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
        self.w4 = w4; self.w5 = w5; self.w6 = w6; self.w7 = w7
    }

    /// Reads eight little-endian words from 32 bytes (`bytes.count` must be 32).
    init(littleEndianBytes bytes: UnsafeRawBufferPointer) {
        @inline(__always) func word(_ i: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        self.init(w0: word(0), w1: word(1), w2: word(2), w3: word(3),
                  w4: word(4), w5: word(5), w6: word(6), w7: word(7))
    }
}

/// One 64-byte message block as sixteen little-endian words.
struct BLAKE3Block: Sendable {
    var w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15: UInt32

    /// Loads a full block from `pointer` (64 readable bytes, any alignment).
    @inline(__always)
    init(loading pointer: UnsafeRawPointer) {
        @inline(__always) func word(_ i: Int) -> UInt32 {
            UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        }
        w0 = word(0); w1 = word(1); w2 = word(2); w3 = word(3)
        w4 = word(4); w5 = word(5); w6 = word(6); w7 = word(7)
        w8 = word(8); w9 = word(9); w10 = word(10); w11 = word(11)
        w12 = word(12); w13 = word(13); w14 = word(14); w15 = word(15)
    }

    /// The block held in a 64-byte buffer (bytes past the used length are zero, as the spec pads).
    @inline(__always)
    init(_ buffer: BLAKE3BlockBuffer) {
        @inline(__always) func split(_ x: UInt64) -> (UInt32, UInt32) {
            let v = UInt64(littleEndian: x)
            return (UInt32(truncatingIfNeeded: v), UInt32(truncatingIfNeeded: v &>> 32))
        }
        (w0, w1) = split(buffer.0); (w2, w3) = split(buffer.1)
        (w4, w5) = split(buffer.2); (w6, w7) = split(buffer.3)
        (w8, w9) = split(buffer.4); (w10, w11) = split(buffer.5)
        (w12, w13) = split(buffer.6); (w14, w15) = split(buffer.7)
    }

    /// The block of a parent node: the left child's chaining value followed by the right child's.
    @inline(__always)
    init(left l: BLAKE3Words8, right r: BLAKE3Words8) {
        w0 = l.w0; w1 = l.w1; w2 = l.w2; w3 = l.w3; w4 = l.w4; w5 = l.w5; w6 = l.w6; w7 = l.w7
        w8 = r.w0; w9 = r.w1; w10 = r.w2; w11 = r.w3; w12 = r.w4; w13 = r.w5; w14 = r.w6; w15 = r.w7
    }
}

/// 64 bytes of raw storage for a partially filled block (a tuple, so it lives inline, off the heap).
typealias BLAKE3BlockBuffer = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x &>> n) | (x &<< (32 &- n))
}

/// The quarter-round mixing function G.
@inline(__always)
private func g(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32,
               _ x: UInt32, _ y: UInt32) {
    a = a &+ b &+ x
    d = rotr(d ^ a, 16)
    c = c &+ d
    b = rotr(b ^ c, 12)
    a = a &+ b &+ y
    d = rotr(d ^ a, 8)
    c = c &+ d
    b = rotr(b ^ c, 7)
}

/// The BLAKE3 compression function, fully unrolled (7 rounds, message schedule precomputed).
/// Returns the first half of the output (`v[i] ^ v[i+8]`) and, for extended output, the second
/// half (`v[i+8] ^ cv[i]`).
@inline(__always)
private func compressFull(
    _ cv: BLAKE3Words8, _ m: BLAKE3Block, counter: UInt64, blockLength: UInt32, flags: UInt32
) -> (BLAKE3Words8, BLAKE3Words8) {
    var v0 = cv.w0, v1 = cv.w1, v2 = cv.w2, v3 = cv.w3
    var v4 = cv.w4, v5 = cv.w5, v6 = cv.w6, v7 = cv.w7
    var v8 = BLAKE3Words8.iv.w0, v9 = BLAKE3Words8.iv.w1
    var v10 = BLAKE3Words8.iv.w2, v11 = BLAKE3Words8.iv.w3
    var v12 = UInt32(truncatingIfNeeded: counter), v13 = UInt32(truncatingIfNeeded: counter &>> 32)
    var v14 = blockLength, v15 = flags

    // Round 1 (message words in original order)
    g(&v0, &v4, &v8, &v12, m.w0, m.w1)
    g(&v1, &v5, &v9, &v13, m.w2, m.w3)
    g(&v2, &v6, &v10, &v14, m.w4, m.w5)
    g(&v3, &v7, &v11, &v15, m.w6, m.w7)
    g(&v0, &v5, &v10, &v15, m.w8, m.w9)
    g(&v1, &v6, &v11, &v12, m.w10, m.w11)
    g(&v2, &v7, &v8, &v13, m.w12, m.w13)
    g(&v3, &v4, &v9, &v14, m.w14, m.w15)
    // Round 2 (message permuted 1 time)
    g(&v0, &v4, &v8, &v12, m.w2, m.w6)
    g(&v1, &v5, &v9, &v13, m.w3, m.w10)
    g(&v2, &v6, &v10, &v14, m.w7, m.w0)
    g(&v3, &v7, &v11, &v15, m.w4, m.w13)
    g(&v0, &v5, &v10, &v15, m.w1, m.w11)
    g(&v1, &v6, &v11, &v12, m.w12, m.w5)
    g(&v2, &v7, &v8, &v13, m.w9, m.w14)
    g(&v3, &v4, &v9, &v14, m.w15, m.w8)
    // Round 3 (message permuted 2 times)
    g(&v0, &v4, &v8, &v12, m.w3, m.w4)
    g(&v1, &v5, &v9, &v13, m.w10, m.w12)
    g(&v2, &v6, &v10, &v14, m.w13, m.w2)
    g(&v3, &v7, &v11, &v15, m.w7, m.w14)
    g(&v0, &v5, &v10, &v15, m.w6, m.w5)
    g(&v1, &v6, &v11, &v12, m.w9, m.w0)
    g(&v2, &v7, &v8, &v13, m.w11, m.w15)
    g(&v3, &v4, &v9, &v14, m.w8, m.w1)
    // Round 4 (message permuted 3 times)
    g(&v0, &v4, &v8, &v12, m.w10, m.w7)
    g(&v1, &v5, &v9, &v13, m.w12, m.w9)
    g(&v2, &v6, &v10, &v14, m.w14, m.w3)
    g(&v3, &v7, &v11, &v15, m.w13, m.w15)
    g(&v0, &v5, &v10, &v15, m.w4, m.w0)
    g(&v1, &v6, &v11, &v12, m.w11, m.w2)
    g(&v2, &v7, &v8, &v13, m.w5, m.w8)
    g(&v3, &v4, &v9, &v14, m.w1, m.w6)
    // Round 5 (message permuted 4 times)
    g(&v0, &v4, &v8, &v12, m.w12, m.w13)
    g(&v1, &v5, &v9, &v13, m.w9, m.w11)
    g(&v2, &v6, &v10, &v14, m.w15, m.w10)
    g(&v3, &v7, &v11, &v15, m.w14, m.w8)
    g(&v0, &v5, &v10, &v15, m.w7, m.w2)
    g(&v1, &v6, &v11, &v12, m.w5, m.w3)
    g(&v2, &v7, &v8, &v13, m.w0, m.w1)
    g(&v3, &v4, &v9, &v14, m.w6, m.w4)
    // Round 6 (message permuted 5 times)
    g(&v0, &v4, &v8, &v12, m.w9, m.w14)
    g(&v1, &v5, &v9, &v13, m.w11, m.w5)
    g(&v2, &v6, &v10, &v14, m.w8, m.w12)
    g(&v3, &v7, &v11, &v15, m.w15, m.w1)
    g(&v0, &v5, &v10, &v15, m.w13, m.w3)
    g(&v1, &v6, &v11, &v12, m.w0, m.w10)
    g(&v2, &v7, &v8, &v13, m.w2, m.w6)
    g(&v3, &v4, &v9, &v14, m.w4, m.w7)
    // Round 7 (message permuted 6 times)
    g(&v0, &v4, &v8, &v12, m.w11, m.w15)
    g(&v1, &v5, &v9, &v13, m.w5, m.w0)
    g(&v2, &v6, &v10, &v14, m.w1, m.w9)
    g(&v3, &v7, &v11, &v15, m.w8, m.w6)
    g(&v0, &v5, &v10, &v15, m.w14, m.w10)
    g(&v1, &v6, &v11, &v12, m.w2, m.w12)
    g(&v2, &v7, &v8, &v13, m.w3, m.w4)
    g(&v3, &v4, &v9, &v14, m.w7, m.w13)

    let low = BLAKE3Words8(w0: v0 ^ v8, w1: v1 ^ v9, w2: v2 ^ v10, w3: v3 ^ v11,
                           w4: v4 ^ v12, w5: v5 ^ v13, w6: v6 ^ v14, w7: v7 ^ v15)
    let high = BLAKE3Words8(w0: v8 ^ cv.w0, w1: v9 ^ cv.w1, w2: v10 ^ cv.w2, w3: v11 ^ cv.w3,
                            w4: v12 ^ cv.w4, w5: v13 ^ cv.w5, w6: v14 ^ cv.w6, w7: v15 ^ cv.w7)
    return (low, high)
}

/// Compresses one block into a chaining value (the truncated, 8-word compression output).
@inline(__always)
func blake3Compress(
    _ cv: BLAKE3Words8, _ block: BLAKE3Block, counter: UInt64, blockLength: UInt32, flags: UInt32
) -> BLAKE3Words8 {
    compressFull(cv, block, counter: counter, blockLength: blockLength, flags: flags).0
}

/// The not-yet-compressed last block of a node (chunk or parent): everything needed to produce
/// either its chaining value or, if it is the root, any number of output bytes.
struct BLAKE3Output: Sendable {
    var inputCV: BLAKE3Words8
    var block: BLAKE3Block
    var counter: UInt64
    var blockLength: UInt32
    var flags: UInt32

    /// The output of a parent node over two child chaining values.
    @inline(__always)
    init(parentOf left: BLAKE3Words8, _ right: BLAKE3Words8, key: BLAKE3Words8, flags: UInt32) {
        inputCV = key
        block = BLAKE3Block(left: left, right: right)
        counter = 0
        blockLength = UInt32(BLAKE3Sizes.blockLength)
        self.flags = flags | BLAKE3Flags.parent
    }

    @inline(__always)
    init(inputCV: BLAKE3Words8, block: BLAKE3Block, counter: UInt64, blockLength: UInt32, flags: UInt32) {
        self.inputCV = inputCV
        self.block = block
        self.counter = counter
        self.blockLength = blockLength
        self.flags = flags
    }

    /// The chaining value of this node (not the root).
    @inline(__always)
    func chainingValue() -> BLAKE3Words8 {
        blake3Compress(inputCV, block, counter: counter, blockLength: blockLength, flags: flags)
    }

    /// `byteCount` bytes of root output (extendable output: 64 bytes per output block counter).
    func rootBytes(_ byteCount: Int) -> [UInt8] {
        guard byteCount > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initializedCount in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            var outputCounter: UInt64 = 0
            var offset = 0
            let rootFlags = flags | BLAKE3Flags.root
            while offset < byteCount {
                let (low, high) = compressFull(
                    inputCV, block, counter: outputCounter, blockLength: blockLength, flags: rootFlags)
                let words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                            UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
                    low.w0.littleEndian, low.w1.littleEndian, low.w2.littleEndian, low.w3.littleEndian,
                    low.w4.littleEndian, low.w5.littleEndian, low.w6.littleEndian, low.w7.littleEndian,
                    high.w0.littleEndian, high.w1.littleEndian, high.w2.littleEndian, high.w3.littleEndian,
                    high.w4.littleEndian, high.w5.littleEndian, high.w6.littleEndian, high.w7.littleEndian)
                let take = min(BLAKE3Sizes.blockLength, byteCount - offset)
                withUnsafeBytes(of: words) { source in
                    UnsafeMutableRawBufferPointer(rebasing: destination[offset..<(offset + take)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<take]))
                }
                offset += take
                outputCounter &+= 1
            }
            initializedCount = byteCount
        }
    }
}
