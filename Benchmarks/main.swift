import Foundation
import JazzProto
import Synchronization

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

// MARK: CRDT materialization from verified logs (issue targets: < 10 ms each for 10 000)

func accountWithGroup() -> (LocalNode, CoID) {
    let node = try! LocalNode.createAccount(agentSecret: .random())
    return (node, try! node.createGroup())
}

func itemText(_ i: Int) -> JSONValue {
    .string("command \(i): " + String(repeating: "x", count: 180))
}

/// Milliseconds `timed` takes on fresh nodes holding only verified data: each node ingests the content
/// pieces of `value` and its dependencies (verifying signatures) first; only `timed` is measured. Median of 5.
@MainActor func coldMilliseconds(_ source: LocalNode, _ value: CoID, _ dependencies: [CoID],
                                 _ timed: (LocalNode) -> Int) -> Double {
    let clock = ContinuousClock()
    var samples: [Double] = []
    for _ in 0..<max(5, Int(ProcessInfo.processInfo.environment["REPEAT"] ?? "") ?? 5) {
        let reader = LocalNode(agentSecret: source.agentSecret, accountID: source.accountID)
        reader.prefetchesPlaintexts = false  // all decoding inside the timed view
        for id in dependencies + [value] {
            for piece in source.core(id)!.newContentSince(nil) { reader.ingest(piece) }
        }
        let start = clock.now
        sink &+= timed(reader)
        let elapsed = clock.now - start
        samples.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    return samples.sorted()[samples.count / 2]
}

/// The first (cold) view of `value`: validity, decryption, parsing, ordering and the CRDT build.
@MainActor func coldViewMilliseconds(_ source: LocalNode, _ value: CoID, _ dependencies: [CoID]) -> Double {
    coldMilliseconds(source, value, dependencies) { reader in reader.view(of: value).map { _ in 1 } ?? 0 }
}

@MainActor func report(_ name: String, milliseconds: Double) {
    if let filter, !name.contains(filter) { return }
    let padded = name + String(repeating: " ", count: max(1, 50 - name.count))
    print("\(padded)\(Double(Int(milliseconds * 100)) / 100) ms")
}

/// True if the benchmark named `name` should run (setup included): no filter, or the name contains it.
func wants(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

/// Only the decoding part of a cold view (validity + decrypt + parse + order), before the CRDT is built.
@MainActor func coldDecodeMilliseconds(_ source: LocalNode, _ value: CoID, _ dependencies: [CoID]) -> Double {
    coldMilliseconds(source, value, dependencies) { reader in reader.decodedTransactions(of: value).count }
}

do {
    let (node, group) = accountWithGroup()
    let deps = [node.accountID!, group]
    if wants("CoFeed cold view: 10k items, 100 private txs") {
        let feed = try! node.createValue(type: "costream", owner: group)
        for batch in 0..<100 {
            try! node.makeTransaction(in: feed, changes: (0..<100).map { itemText(batch * 100 + $0) }, privacy: .private)
        }
        report("CoFeed cold view: 10k items, 100 private txs", milliseconds: coldViewMilliseconds(node, feed, deps))
    }
    if wants("CoFeed cold view: 10k items, 10k private txs") || wants("CoFeed cold decode only: 10k private txs") {
        let feed1 = try! node.createValue(type: "costream", owner: group)
        for i in 0..<10_000 { try! node.makeTransaction(in: feed1, changes: [itemText(i)], privacy: .private) }
        report("CoFeed cold view: 10k items, 10k private txs", milliseconds: coldViewMilliseconds(node, feed1, deps))
        report("CoFeed cold decode only: 10k private txs", milliseconds: coldDecodeMilliseconds(node, feed1, deps))
    }
    if wants("CoList cold view: 10k items, 100 private txs") {
        let list = try! node.createValue(type: "colist", owner: group)
        var state = CoListState()
        for batch in 0..<100 {
            let changes = try! CoListChanges.append((0..<100).map { itemText(batch * 100 + $0) }, in: state)
            try! node.makeTransaction(in: list, changes: changes, privacy: .private)
            state = CoListState(transactions: node.decodedTransactions(of: list))
        }
        report("CoList cold view: 10k items, 100 private txs", milliseconds: coldViewMilliseconds(node, list, deps))
    }
    if wants("CoMap cold view: 10k private edits (1 per tx)") || wants("CoMap state only: 10k decoded edits") {
        let map = try! node.createValue(type: "comap", owner: group)
        for i in 0..<10_000 {
            try! node.makeTransaction(in: map, changes: CoMapChanges.set("key\(i % 500)", .number(Double(i))), privacy: .private)
        }
        report("CoMap cold view: 10k private edits (1 per tx)", milliseconds: coldViewMilliseconds(node, map, deps))
        let decoded = node.decodedTransactions(of: map)
        measure("CoMap state only: 10k decoded edits", unitsPerRun: 1, unit: "views/s") {
            sink &+= CoMapState(transactions: decoded).count
        }
    }
}

// MARK: Append cost does not grow with history (first vs 20 000th operation)

do {
    let (node, group) = accountWithGroup()
    let feed = try! node.createValue(type: "costream", owner: group)
    let map = try! node.createValue(type: "comap", owner: group)
    let clock = ContinuousClock()
    func perOperation(_ range: Range<Int>, _ body: (Int) -> Void) -> Double {
        let start = clock.now
        for i in range { body(i) }
        let elapsed = clock.now - start
        return (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(range.count)
    }
    if filter == nil || "append".contains(filter!) {
        let feedFirst = perOperation(0..<1000) { i in _ = try! node.makeTransaction(in: feed, changes: [itemText(i)], privacy: .private) }
        _ = perOperation(1000..<19_000) { i in _ = try! node.makeTransaction(in: feed, changes: [itemText(i)], privacy: .private) }
        let feedLast = perOperation(19_000..<20_000) { i in _ = try! node.makeTransaction(in: feed, changes: [itemText(i)], privacy: .private) }
        print("CoFeed append (private), µs/op: ops 1–1000 \(Int(feedFirst)), ops 19 001–20 000 \(Int(feedLast))")
        let mapFirst = perOperation(0..<1000) { i in _ = try! node.makeTransaction(in: map, changes: CoMapChanges.set("k\(i % 100)", .number(Double(i))), privacy: .private) }
        _ = perOperation(1000..<19_000) { i in _ = try! node.makeTransaction(in: map, changes: CoMapChanges.set("k\(i % 100)", .number(Double(i))), privacy: .private) }
        let mapLast = perOperation(19_000..<20_000) { i in _ = try! node.makeTransaction(in: map, changes: CoMapChanges.set("k\(i % 100)", .number(Double(i))), privacy: .private) }
        print("CoMap set (private), µs/op:     ops 1–1000 \(Int(mapFirst)), ops 19 001–20 000 \(Int(mapLast))")
    }
}

// MARK: Sync over loopback: a fresh node loads a 10 000-entry private CoFeed from the relay

/// An in-process relay on a free loopback port and a started client of a new account writing to it.
func startRelayAndWriter() -> (RelayServer, String, JazzIdentity, SyncClient) {
    let relay = try! RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil)
    let url = "ws://127.0.0.1:\(relay.port)"
    let identity = try! JazzIdentity(secretSeed: SecureRandom.bytes(32))
    let writer = try! SyncClient(node: try! LocalNode.createAccount(agentSecret: identity.agentSecret),
                                 configuration: WebSocketClientConfiguration(url: url))
    writer.start()
    return (relay, url, identity, writer)
}

if filter == nil || "sync".contains(filter!) {
    let (relay, url, identity, writer) = startRelayAndWriter()
    let feedID = try! writer.write { node -> CoID in
        let group = try node.createGroup()
        let feed = try node.createValue(type: "costream", owner: group)
        for batch in 0..<100 {
            try node.makeTransaction(in: feed, changes: (0..<100).map { itemText(batch * 100 + $0) }, privacy: .private)
        }
        return feed
    }
    _ = await writer.waitForSync(timeout: .seconds(60))
    let clock = ContinuousClock()
    var timings: [Duration] = []
    for _ in 0..<5 {
        let start = clock.now
        let reader = try! SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                     configuration: WebSocketClientConfiguration(url: url))
        reader.start()
        reader.load(feedID)
        _ = await reader.wait(timeout: .seconds(30)) { client in
            client.read { node in
                node.isCompletelyLoaded(feedID) && (node.view(of: feedID)?.objectValue?.values.first?.arrayValue?.count ?? 0) == 10_000
            }
        }
        timings.append(clock.now - start)
        reader.stop()
    }
    print("fresh node loads + decrypts + materializes a 10k private CoFeed over loopback: \(timings.sorted()[2]) (median of 5)")
    // The same load in a separate process (`caro jazz inspect --stats`), for its peak memory.
    let caro = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("caro")
    if FileManager.default.isExecutableFile(atPath: caro.path) {
        let process = Process()
        process.executableURL = caro
        process.arguments = ["jazz", "inspect", "--relay", url, "--secret", identity.agentSecret.description, "--stats", feedID.description]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try! process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print("separate process (caro jazz inspect --stats): " + text.trimmingCharacters(in: .whitespacesAndNewlines))
    } else {
        print("(build the caro product in release too, to measure the loading process's peak RSS)")
    }
    writer.stop()
    relay.shutdown()
}

// MARK: Relay throughput: writers × edits with subscribers, loopback

/// Relay throughput: `writersCount` writer clients each make `editsPerWriter` private CoMap edits to a map
/// of their own, each map read live by one subscriber; the relay runs in its own process when the release
/// `caro` is built (so its CPU time is measured apart from the clients'). `coalescing` is the clients'
/// push mode: on (the default) a burst of writes to one map travels as one piece per acknowledgement;
/// off, every edit travels as its own piece with its own signature to verify.
func relayThroughput(writersCount: Int, editsPerWriter: Int, coalescing: Bool) async {
    let external = RelayProcess.start()
    let inProcess = external == nil
        ? try! RelayServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0), storage: nil) : nil
    let url = "ws://127.0.0.1:\(external?.port ?? inProcess!.port)"
    var writers: [SyncClient] = []
    var maps: [CoID] = []
    var subscribers: [SyncClient] = []
    for _ in 0..<writersCount {
        let identity = try! JazzIdentity(secretSeed: SecureRandom.bytes(32))
        let writer = try! SyncClient(node: try! LocalNode.createAccount(agentSecret: identity.agentSecret),
                                     configuration: WebSocketClientConfiguration(url: url))
        writer.coalescesPushes = coalescing
        writer.start()
        let map = try! writer.write { node -> CoID in
            let group = try node.createGroup()
            return try node.createValue(type: "comap", owner: group)
        }
        _ = await writer.waitForSync(timeout: .seconds(30))
        let subscriber = try! SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                         configuration: WebSocketClientConfiguration(url: url))
        subscriber.start()
        subscriber.load(map)
        _ = await subscriber.wait(timeout: .seconds(30)) { $0.read { $0.hasContent(map) } }
        writers.append(writer)
        maps.append(map)
        subscribers.append(subscriber)
    }
    let cpuBefore = external?.cpuSeconds() ?? 0
    let clock = ContinuousClock()
    let start = clock.now
    for round in 0..<editsPerWriter {
        for (index, writer) in writers.enumerated() {
            if coalescing {
                _ = try? writer.write { node in
                    _ = try? node.makeTransaction(in: maps[index], changes: CoMapChanges.set("k\(round % 50)", .number(Double(round))), privacy: .private)
                }
            } else {
                // One piece per edit: push before the next write can join it.
                _ = try? writer.write { node in
                    _ = try? node.makeTransaction(in: maps[index], changes: CoMapChanges.set("k\(round % 50)", .number(Double(round))), privacy: .private)
                }
                writer.flushPendingPushes()
            }
        }
    }
    for writer in writers { _ = await writer.waitForSync(timeout: .seconds(300)) }
    let acked = clock.now - start
    for (index, subscriber) in subscribers.enumerated() {
        let map = maps[index]
        _ = await subscriber.wait(timeout: .seconds(300)) { $0.read { $0.knownState(of: map).transactionCount >= editsPerWriter } }
    }
    let delivered = clock.now - start
    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
    let total = Double(writersCount * editsPerWriter)
    let relayCPU = (external?.cpuSeconds() ?? 0) - cpuBefore
    print("relay (\(external == nil ? "in this process" : "own process"), \(coalescing ? "coalescing clients" : "one piece per edit")): "
        + "\(writersCount) writers × \(editsPerWriter) private CoMap edits, "
        + "\(writersCount) subscribers: \(Int(total / seconds(acked))) edits/s acknowledged, all delivered after \(delivered)"
        + (external == nil ? "" : "; relay used \(Double(Int(relayCPU * 100)) / 100) s CPU = \(Int(total / max(relayCPU, 0.001))) edits per relay-CPU-second, peak RSS \(external!.peakRSSMegabytes()) MB"))
    for client in writers + subscribers { client.stop() }
    inProcess?.shutdown()
    external?.stop()
}

if filter == nil || "relay".contains(filter!) {
    let writersCount = Int(ProcessInfo.processInfo.environment["WRITERS"] ?? "") ?? 50
    let editsPerWriter = Int(ProcessInfo.processInfo.environment["EDITS"] ?? "") ?? 1000
    await relayThroughput(writersCount: writersCount, editsPerWriter: editsPerWriter, coalescing: true)
    await relayThroughput(writersCount: writersCount, editsPerWriter: editsPerWriter, coalescing: false)
}

/// `caro relay` started as a child process (release build next to this benchmark).
final class RelayProcess {
    let process: Process
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    static func start() -> RelayProcess? {
        let caro = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("caro")
        guard FileManager.default.isExecutableFile(atPath: caro.path) else { return nil }
        let process = Process()
        let relayArguments = ["relay", "--host", "127.0.0.1", "--port", "0", "--in-memory"]
        if let perfOutput = ProcessInfo.processInfo.environment["PERF_RELAY"] {
            // Profiled: the relay runs as perf's child.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/perf")
            process.arguments = ["record", "-g", "-o", perfOutput, caro.path] + relayArguments
        } else {
            process.executableURL = caro
            process.arguments = relayArguments
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            process.terminate()
            return nil
        }
        return RelayProcess(process: process, port: port)
    }

    /// User + system CPU seconds the relay has used (from /proc/<pid>/stat).
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func peakRSSMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return -1 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) / 1024
    }

    func stop() {
        // Under PERF_RELAY the relay is perf's child: end it first so perf writes its data and exits.
        let pid = process.processIdentifier
        if let children = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) {
            for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGTERM) }
        }
        process.terminate()
        process.waitUntilExit()
    }
}

// MARK: Write-to-subscriber latency at a paced rate

if filter == nil || "latency".contains(filter!) {
    let (relay, url, identity, writer) = startRelayAndWriter()
    let map = try! writer.write { node -> CoID in try node.createValue(type: "comap", owner: try node.createGroup()) }
    _ = await writer.waitForSync(timeout: .seconds(30))
    let subscriber = try! SyncClient(node: LocalNode(agentSecret: identity.agentSecret, accountID: identity.accountID),
                                     configuration: WebSocketClientConfiguration(url: url))
    subscriber.start()
    subscriber.load(map)
    _ = await subscriber.wait(timeout: .seconds(30)) { $0.read { $0.isCompletelyLoaded(map) } }

    let clock = ContinuousClock()
    let epoch = clock.now
    let edits = 4000
    let sentAt = Mutex<[Duration]>([])
    let arrivals = Mutex<[Duration]>([])
    subscriber.observe { ids in
        guard ids.contains(map) else { return }
        let now = clock.now - epoch
        let count = subscriber.read { $0.knownState(of: map).transactionCount }
        arrivals.withLock { arrivals in
            while arrivals.count < count { arrivals.append(now) }
        }
    }
    let interval = Duration.microseconds(500)  // 2 000 edits/s
    for i in 0..<edits {
        let due = epoch + interval * i
        while clock.now < due { }
        sentAt.withLock { $0.append(clock.now - epoch) }
        try writer.write { node in _ = try? node.makeTransaction(in: map, changes: CoMapChanges.set("k\(i % 20)", .number(Double(i))), privacy: .private) }
    }
    _ = await subscriber.wait(timeout: .seconds(30)) { _ in arrivals.withLock { $0.count } >= edits }
    let sent = sentAt.withLock { $0 }
    let arrived = arrivals.withLock { $0 }
    var latencies = zip(sent, arrived).map { $1 - $0 }.sorted()
    if latencies.isEmpty { latencies = [.zero] }
    func ms(_ d: Duration) -> String { String(Double(Int((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) * 100)) / 100) }
    print("write-to-subscriber latency at 2 000 private edits/s (\(arrived.count)/\(edits) delivered): "
        + "p50 \(ms(latencies[latencies.count / 2])) ms, p99 \(ms(latencies[latencies.count * 99 / 100])) ms, max \(ms(latencies.last!)) ms")
    writer.stop()
    subscriber.stop()
    relay.shutdown()
}

// MARK: Ingest: verify + decrypt a 10 000-transaction private session arriving in ~100 KB pieces

if filter == nil || "ingest".contains(filter!) {
    let (node, group) = accountWithGroup()
    let feed = try! node.createValue(type: "costream", owner: group)
    for i in 0..<10_000 { try! node.makeTransaction(in: feed, changes: [itemText(i)], privacy: .private) }
    let pieces = node.core(feed)!.newContentSince(nil)
    let dependencies = [node.accountID!, group].flatMap { node.core($0)!.newContentSince(nil) }
    let clock = ContinuousClock()
    var samples: [Double] = []
    // One warm-up run (not counted), then the median of REPEAT runs (default 11).
    let runs = Int(ProcessInfo.processInfo.environment["REPEAT"] ?? "") ?? 11
    for run in 0...max(runs, 1) {
        let reader = LocalNode(agentSecret: node.agentSecret, accountID: node.accountID)
        for piece in dependencies { reader.ingest(piece) }
        let start = clock.now
        for piece in pieces { reader.ingest(piece) }
        let mid = clock.now
        let decrypted = reader.decodedTransactions(of: feed).count
        let elapsed = clock.now - start
        if ProcessInfo.processInfo.environment["SPLIT"] != nil { print("ingest \(mid - start) decode \(clock.now - mid)") }
        precondition(decrypted == 10_000)
        if run > 0 { samples.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }
    }
    let median = samples.sorted()[samples.count / 2]
    print("ingest (verify + decrypt) of a 10k-transaction private session in \(pieces.count) pieces: \(Int(10_000 / median)) tx/s")
}
