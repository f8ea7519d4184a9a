/// A problem met while replaying sync messages, naming the CoValue and session concerned.
public struct ReplayProblem: Sendable, CustomStringConvertible {
    public var line: Int
    public var coID: CoID?
    public var sessionID: SessionID?
    public var message: String

    public var description: String {
        var where_ = "line \(line)"
        if let coID { where_ += " \(coID)" }
        if let sessionID { where_ += " session \(sessionID)" }
        return "\(where_): \(message)"
    }
}

/// Replays sync messages as they travel over the WebSocket (one JSON message per line): every
/// `content` message is verified and applied in order (waiting for its dependencies if they come
/// later); other actions are skipped. Used by `caro jazz replay` and by tests.
public final class ContentReplayer {
    public let node: LocalNode
    public private(set) var problems: [ReplayProblem] = []
    /// Content whose dependencies have not arrived yet, with its line number.
    private var pending: [(line: Int, piece: ContentPiece)] = []
    private var lineNumber = 0

    public init(node: LocalNode) {
        self.node = node
    }

    /// Feeds one WebSocket frame or file line (it may hold several messages joined by newlines).
    public func feed(_ text: some StringProtocol) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            guard !trimmed.isEmpty else { continue }
            let message: SyncMessage
            do {
                message = try SyncMessage(text: trimmed)
            } catch .missingAction {
                continue  // Not a sync message (e.g. a relay ping): skipped, as on the wire.
            } catch {
                problems.append(ReplayProblem(line: lineNumber, message: error.description))
                continue
            }
            if case .content(let piece) = message {
                apply(piece, line: lineNumber)
            }
        }
    }

    private func apply(_ piece: ContentPiece, line: Int) {
        let report = node.ingest(piece)
        guard report.missingDependencies.isEmpty else {
            pending.append((line, piece))
            return
        }
        record(report, line: line)
        retryPending()
    }

    private func record(_ report: IngestReport, line: Int) {
        if let error = report.headerError {
            problems.append(ReplayProblem(line: line, coID: report.id, message: error.description))
        }
        for (session, outcome) in report.outcomes {
            switch outcome {
            case .rejected(let reason):
                problems.append(ReplayProblem(line: line, coID: report.id, sessionID: session, message: reason))
            case .gap(let have):
                problems.append(ReplayProblem(line: line, coID: report.id, sessionID: session,
                                              message: "content starts after transactions this node never received (it has \(have))"))
            case .appended, .duplicate, .ignoredBecauseDeleted:
                break
            }
        }
    }

    private func retryPending() {
        var progress = true
        while progress {
            progress = false
            for (index, entry) in pending.enumerated() where node.missingDependencies(of: entry.piece).isEmpty {
                pending.remove(at: index)
                record(node.ingest(entry.piece), line: entry.line)
                progress = true
                break
            }
        }
    }

    /// Ends the replay: content still waiting for dependencies becomes a problem.
    public func finish() {
        for entry in pending {
            let missing = node.missingDependencies(of: entry.piece).map(\.description).joined(separator: ", ")
            problems.append(ReplayProblem(line: entry.line, coID: entry.piece.id,
                                          message: "never applied: depends on \(missing), which never arrived"))
        }
        pending.removeAll()
    }

    /// Every loaded CoValue's view, keyed by ID string.
    public func views() -> JSONObject {
        var result = JSONObject()
        for id in node.coValueIDs.sorted() {
            if let view = node.view(of: id) { result[id.description] = view }
        }
        return result
    }
}
