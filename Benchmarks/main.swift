import JazzProto

// caro-benchmarks: throughput of the primitives and hot paths, in a release build:
//   swift run -c release caro-benchmarks [filter]
// Results are recorded in Docs/benchmarks.md.

let filter = CommandLine.arguments.dropFirst().first

/// Runs `body` repeatedly for at least `minimum` and reports the rate of `unit` per second.
@discardableResult
func measure(_ name: String, unitsPerRun: Double, unit: String, minimum: Duration = .milliseconds(500),
             _ body: () -> Void) -> Double {
    if let filter, !name.contains(filter) { return 0 }
    body()  // warm up
    let clock = ContinuousClock()
    var runs = 0
    let start = clock.now
    while clock.now - start < minimum {
        body()
        runs += 1
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(runs) * unitsPerRun / seconds
    let formatted = rate >= 100 ? String(Int(rate + 0.5)) : String(Double(Int(rate * 100)) / 100)
    let padded = name + String(repeating: " ", count: max(1, 50 - name.count))
    print("\(padded)\(formatted) \(unit)")
    return rate
}

var sink = 0

// BLAKE3
let big = [UInt8](repeating: 0xab, count: 16 << 20)
measure("BLAKE3 one-shot, 16 MiB", unitsPerRun: 16, unit: "MiB/s") { sink &+= Int(BLAKE3.hash(big)[0]) }
let small = [UInt8](repeating: 0x42, count: 200)
measure("BLAKE3 streaming 200-byte update + finalize", unitsPerRun: 10_000, unit: "tx/s") {
    var hasher = BLAKE3()
    for _ in 0..<10_000 {
        hasher.update(small)
        sink &+= Int(hasher.finalize()[0])
    }
}

// Ed25519
let agent = AgentSecret.random()
let message = Array("\"hash_z8thVGxZvdH56k1y6rb1fbT155bwex3bVTdcC8m4yvm6V\"".utf8)
let signature = agent.signerSecret.sign(message)
measure("Ed25519 sign", unitsPerRun: 1000, unit: "signatures/s") {
    for _ in 0..<1000 { sink &+= Int(agent.signerSecret.sign(message).bytes[0]) }
}
measure("Ed25519 verify", unitsPerRun: 1000, unit: "verifications/s") {
    for _ in 0..<1000 where agent.agentID.signerID.isValidSignature(signature, for: message) { sink &+= 1 }
}

// Encryption
let key = KeySecret.random()
let payload = [UInt8](repeating: 0x61, count: 1 << 20)
let material = NonceMaterial.keyForKey(encryptedID: .random(), encryptingID: .random())
measure("XSalsa20 encrypt (private transactions), 1 MiB", unitsPerRun: 1, unit: "MiB/s") {
    sink &+= Int(key.encrypt(payload, nonceMaterial: material).bytes[0])
}
let recipient = SealerSecret.random()
measure("seal key secret (X25519 + secretbox)", unitsPerRun: 100, unit: "seals/s") {
    for _ in 0..<100 {
        sink &+= (try? agent.sealerSecret.sealKeySecret(key, to: recipient.sealerID, nonceMaterial: material).bytes.count) ?? 0
    }
}

// JSON
var items: [JSONValue] = []
for i in 0..<2000 {
    items.append(.object(JSONObject([
        ("changes", .string(#"[{"op":"set","key":"k\#(i)","value":"some value with \"quotes\" and ünïcödé"}]"#)),
        ("madeAt", .number(1_767_225_600_000 + Double(i))), ("privacy", "trusting"),
    ])))
}
let document = JSONValue.array(items)
let text = document.jsonStringify()
let textBytes = Array(text.utf8)
let megabytes = Double(textBytes.count) / 1_048_576
measure("stableStringify", unitsPerRun: megabytes, unit: "MiB/s") { sink &+= document.stableStringify().utf8.count }
measure("JSON parse", unitsPerRun: megabytes, unit: "MiB/s") { sink &+= (try? JSONValue(parsing: textBytes))?.arrayValue?.count ?? 0 }

// Session logs: verify a 10 000-transaction session arriving in ~100 KiB pieces.
let session = SessionID.random(for: .agent(agent.agentID))
var writer = SessionLog(sessionID: session)
var written: [Transaction] = []
for i in 0..<10_000 {
    let tx = Transaction.trusting(madeAt: 1_767_225_600_000 + UInt64(i), changes: #"[{"op":"set","key":"k","value":\#(i)}]"#, meta: nil)
    written.append(tx)
    _ = try? writer.appendLocal(tx, signer: agent.signerSecret)
}
let finalSignature = writer.lastSignature!
measure("session ingest, 10k transactions, one signature", unitsPerRun: 10_000, unit: "tx/s") {
    var reader = SessionLog(sessionID: session)
    try? reader.appendVerified(written, signature: finalSignature, signer: agent.agentID.signerID)
    sink &+= reader.count
}

if sink == 42 { print("") }
