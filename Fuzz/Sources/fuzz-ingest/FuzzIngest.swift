import Foundation
import JazzProto

/// Content ingestion into a node: verify, apply and view, as a peer does with every `content` message.
///
/// The node acts as the account of `Fixtures/jazz/sync-transcript.json` (whose secret the vectors
/// publish) and starts with that transcript's account and groups, verified once at start-up, so the
/// fuzzed messages can extend real values. Input: one flags byte, then a WebSocket text frame. With
/// flag bit 0 set, every session of the account in a content piece is re-signed with the account's key
/// before it is ingested, so mutated transactions pass the signature check and reach permissions,
/// decryption, the CRDTs and the views; without it the hostile signatures themselves are tested.
///
/// Checked for every value the node holds afterwards: the view and decoded transactions are computed
/// without trapping; the content the node would send a peer encodes and decodes to the same message; and
/// a second node that receives that content ends up with the same known state (what a node accepted, its
/// peers accept too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let flags = bytes.first, let frame = String(validating: bytes.dropFirst(), as: UTF8.self) else { return 0 }
    let fixture = IngestFixture.shared
    let node = fixture.seededNode()
    for message in SyncFrame(parsing: frame).messages {
        guard case .content(var piece) = message else { continue }
        if flags & 1 != 0 { fixture.resign(&piece, in: node) }
        node.ingest(piece)
    }

    let peer = LocalNode(agentSecret: fixture.secret, accountID: fixture.accountID)
    peer.prefetchesPlaintexts = false
    let groups = node.coValueIDs.filter { node.core($0)?.header?.isGroup == true }
    for id in groups { if let core = node.core(id) { peer.restore(core) } }
    for id in node.coValueIDs {
        _ = node.view(of: id)
        _ = node.decodedTransactions(of: id)
        guard let core = node.core(id) else { continue }
        for piece in core.newContentSince(nil) {
            let text = SyncMessage.content(piece).text
            guard let decoded = try? SyncMessage(text: text), decoded.text == text else {
                fatalError("content of \(id) does not re-decode: \(text) (frame: \(frame.debugDescription))")
            }
            if !groups.contains(id) { peer.ingest(piece) }
        }
        if !groups.contains(id), peer.knownState(of: id) != node.knownState(of: id) {
            fatalError("""
                a peer accepted other content for \(id): \(peer.knownState(of: id)) vs \(node.knownState(of: id)) \
                (frame: \(frame.debugDescription))
                """)
        }
    }
    return 0
}

/// The account and groups of the sync transcript vectors, verified once.
final class IngestFixture: @unchecked Sendable {
    static let shared = IngestFixture()

    let secret: AgentSecret
    let accountID: CoID
    /// The account and group cores, as verified from the transcript.
    let groupCores: [CoValueCore]

    private init() {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/jazz/sync-transcript.json").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let transcript = try? JSONValue(parsing: text),
            let secretText = transcript["account"]?["accountSecret"]?.stringValue, let secret = try? AgentSecret(secretText),
            let idText = transcript["account"]?["accountID"]?.stringValue, let accountID = try? CoID(idText),
            let messages = transcript["phases"]?["create"]?["messages"]?.arrayValue
        else {
            fatalError("cannot read the account and messages of \(path)")
        }
        self.secret = secret
        self.accountID = accountID
        let node = LocalNode(agentSecret: secret, accountID: accountID)
        node.prefetchesPlaintexts = false
        for entry in messages {
            guard entry["dir"]?.stringValue == "client->server", let json = entry["msg"],
                case .content(let piece)? = try? SyncMessage(json: json)
            else { continue }
            let report = node.ingest(piece)
            guard report.rejections.isEmpty, report.headerError == nil, report.missingDependencies.isEmpty else {
                fatalError("the transcript's content for \(piece.id) was not accepted: \(report.rejections)")
            }
        }
        groupCores = node.coValueIDs.compactMap { node.core($0) }.filter { $0.header?.isGroup == true }
        guard groupCores.contains(where: { $0.id == accountID }), groupCores.count >= 2 else {
            fatalError("the transcript has no account and group")
        }
    }

    /// A fresh node of the account holding the verified account and groups.
    func seededNode() -> LocalNode {
        let node = LocalNode(agentSecret: secret, accountID: accountID)
        node.prefetchesPlaintexts = false
        for core in groupCores { node.restore(core) }
        return node
    }

    /// Signs each session of `piece` written by this account (or its agent) with the account's key, over
    /// the hash chain the node would have after appending it.
    func resign(_ piece: inout ContentPiece, in node: LocalNode) {
        let signerID = secret.signerSecret.signerID
        for index in piece.new.indices {
            let (session, content) = piece.new[index]
            guard node.signer(of: session) == signerID else { continue }
            let log = node.core(piece.id)?.sessions[session] ?? SessionLog(sessionID: session)
            guard content.after <= log.count, content.after + content.newTransactions.count > log.count else { continue }
            let fresh = content.newTransactions.dropFirst(log.count - content.after)
            let (hash, _) = log.hash(afterAppending: fresh)
            piece.new[index].1.lastSignature = secret.signerSecret.sign(hash.signingMessage)
        }
    }
}
