/// What the picker shows and where the user is: the query, the filter mode, the ranked results and
/// the selected row. Keys change it (``apply(_:)``); the caller re-runs the search when the query or
/// the mode changed.
public struct PickerState: Sendable {
    /// What ``apply(_:)`` asks the caller to do.
    public enum Outcome: Sendable, Equatable {
        /// Nothing more than redrawing.
        case redraw
        /// The query or mode changed: search again, then redraw.
        case search
        /// Print this command and leave.
        case accept(String)
        /// Leave without printing anything.
        case cancel
    }

    public var query: String
    public var mode: PickerMode
    /// Whether the workspace mode is offered (the current directory is in a git work tree).
    public var hasWorkspace: Bool
    public var results: [RankedCommand] = []
    /// The index of the selected row in ``results``.
    public var selected = 0
    /// How many result rows fit on the screen (for Page Up/Down).
    public var pageSize = 10

    public init(query: String, mode: PickerMode = .all, hasWorkspace: Bool) {
        self.query = query
        self.mode = mode
        self.hasWorkspace = hasWorkspace
    }

    /// New results: the selection goes back to the best one.
    public mutating func show(_ results: [RankedCommand]) {
        self.results = results
        selected = 0
    }

    /// Applies one key.
    public mutating func apply(_ key: PickerKey) -> Outcome {
        switch key {
        case .text(let text):
            query += text
            return .search
        case .backspace:
            guard !query.isEmpty else { return .redraw }
            query.removeLast()
            return .search
        case .clearQuery:
            guard !query.isEmpty else { return .redraw }
            query = ""
            return .search
        case .deleteWord:
            guard !query.isEmpty else { return .redraw }
            while query.last?.isWhitespace == true { query.removeLast() }
            while let last = query.last, !last.isWhitespace { query.removeLast() }
            return .search
        case .up: move(by: -1)
        case .down: move(by: 1)
        case .pageUp: move(by: -max(pageSize, 1))
        case .pageDown: move(by: max(pageSize, 1))
        case .accept:
            return results.indices.contains(selected) ? .accept(results[selected].command) : .cancel
        case .cancel:
            return .cancel
        case .nextMode:
            mode = mode.next(hasWorkspace: hasWorkspace)
            return .search
        }
        return .redraw
    }

    private mutating func move(by offset: Int) {
        guard !results.isEmpty else { return }
        selected = min(max(selected + offset, 0), results.count - 1)
    }
}
