// Four-way parallel chunk hashing for `BLAKE3`: four consecutive 1 KiB chunks are compressed at
// once, one chunk per SIMD lane (SSE2 / NEON width), which is how BLAKE3 is meant to use SIMD.

typealias BLAKE3Lanes = SIMD4<UInt32>

/// Rotate right. The two halves have no bits in common, so `&+` equals `|`; written with `&+`
/// because LLVM's x86 backend otherwise recognizes a vector rotate and, lacking a native one
/// before AVX-512, splits it into four scalar `rol`s (about 4x slower overall on x86-64).
@inline(__always)
private func rotr(_ x: BLAKE3Lanes, _ n: UInt32) -> BLAKE3Lanes {
    (x &>> n) &+ (x &<< (32 &- n))
}

/// G on four independent states at once.
@inline(__always)
private func g(_ a: inout BLAKE3Lanes, _ b: inout BLAKE3Lanes, _ c: inout BLAKE3Lanes, _ d: inout BLAKE3Lanes,
               _ x: BLAKE3Lanes, _ y: BLAKE3Lanes) {
    a = a &+ b &+ x
    d = rotr(d ^ a, 16)
    c = c &+ d
    b = rotr(b ^ c, 12)
    a = a &+ b &+ y
    d = rotr(d ^ a, 8)
    c = c &+ d
    b = rotr(b ^ c, 7)
}

/// The little-endian word at byte `offset` of each of the four consecutive chunks starting at `base`.
@inline(__always)
private func gatherWord(_ base: UnsafeRawPointer, _ offset: Int) -> BLAKE3Lanes {
    BLAKE3Lanes(
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset + 1024, as: UInt32.self)),
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset + 2048, as: UInt32.self)),
        UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset + 3072, as: UInt32.self)))
}

/// Sixteen message words of one block position in four chunks (lane i = chunk i).
private struct BLAKE3Block4 {
    var w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15: BLAKE3Lanes

    @inline(__always)
    init(_ base: UnsafeRawPointer, blockOffset o: Int) {
        w0 = gatherWord(base, o); w1 = gatherWord(base, o + 4)
        w2 = gatherWord(base, o + 8); w3 = gatherWord(base, o + 12)
        w4 = gatherWord(base, o + 16); w5 = gatherWord(base, o + 20)
        w6 = gatherWord(base, o + 24); w7 = gatherWord(base, o + 28)
        w8 = gatherWord(base, o + 32); w9 = gatherWord(base, o + 36)
        w10 = gatherWord(base, o + 40); w11 = gatherWord(base, o + 44)
        w12 = gatherWord(base, o + 48); w13 = gatherWord(base, o + 52)
        w14 = gatherWord(base, o + 56); w15 = gatherWord(base, o + 60)
    }
}

/// The chaining values of the four complete chunks at `base` (4 KiB), with chunk counters
/// `counter`, `counter + 1`, `counter + 2`, `counter + 3`.
func blake3HashFourChunks(
    _ base: UnsafeRawPointer, key: BLAKE3Words8, counter: UInt64, flags: UInt32
) -> (BLAKE3Words8, BLAKE3Words8, BLAKE3Words8, BLAKE3Words8) {
    var h0 = BLAKE3Lanes(repeating: key.w0), h1 = BLAKE3Lanes(repeating: key.w1)
    var h2 = BLAKE3Lanes(repeating: key.w2), h3 = BLAKE3Lanes(repeating: key.w3)
    var h4 = BLAKE3Lanes(repeating: key.w4), h5 = BLAKE3Lanes(repeating: key.w5)
    var h6 = BLAKE3Lanes(repeating: key.w6), h7 = BLAKE3Lanes(repeating: key.w7)
    let counters = (
        counter, counter &+ 1, counter &+ 2, counter &+ 3)
    let counterLow = BLAKE3Lanes(
        UInt32(truncatingIfNeeded: counters.0), UInt32(truncatingIfNeeded: counters.1),
        UInt32(truncatingIfNeeded: counters.2), UInt32(truncatingIfNeeded: counters.3))
    let counterHigh = BLAKE3Lanes(
        UInt32(truncatingIfNeeded: counters.0 &>> 32), UInt32(truncatingIfNeeded: counters.1 &>> 32),
        UInt32(truncatingIfNeeded: counters.2 &>> 32), UInt32(truncatingIfNeeded: counters.3 &>> 32))
    let iv = BLAKE3Words8.iv
    let blockLength = BLAKE3Lanes(repeating: UInt32(BLAKE3Sizes.blockLength))

    var blockOffset = 0
    while blockOffset < BLAKE3Sizes.chunkLength {
        let m = BLAKE3Block4(base, blockOffset: blockOffset)
        var blockFlags = flags
        if blockOffset == 0 { blockFlags |= BLAKE3Flags.chunkStart }
        if blockOffset == BLAKE3Sizes.chunkLength - BLAKE3Sizes.blockLength { blockFlags |= BLAKE3Flags.chunkEnd }

        var v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7
        var v8 = BLAKE3Lanes(repeating: iv.w0), v9 = BLAKE3Lanes(repeating: iv.w1)
        var v10 = BLAKE3Lanes(repeating: iv.w2), v11 = BLAKE3Lanes(repeating: iv.w3)
        var v12 = counterLow, v13 = counterHigh, v14 = blockLength
        var v15 = BLAKE3Lanes(repeating: blockFlags)

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

        h0 = v0 ^ v8; h1 = v1 ^ v9; h2 = v2 ^ v10; h3 = v3 ^ v11
        h4 = v4 ^ v12; h5 = v5 ^ v13; h6 = v6 ^ v14; h7 = v7 ^ v15
        blockOffset += BLAKE3Sizes.blockLength
    }

    @inline(__always) func lane(_ i: Int) -> BLAKE3Words8 {
        BLAKE3Words8(w0: h0[i], w1: h1[i], w2: h2[i], w3: h3[i], w4: h4[i], w5: h5[i], w6: h6[i], w7: h7[i])
    }
    return (lane(0), lane(1), lane(2), lane(3))
}
