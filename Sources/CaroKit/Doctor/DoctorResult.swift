/// The outcome of one `caro doctor` check: one line of its report.
public struct DoctorResult: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        case ok, warn, fail

        private var rank: Int {
            switch self {
            case .ok: return 0
            case .warn: return 1
            case .fail: return 2
            }
        }

        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// The check's name (`home`, `database`, `relay`, …), stable for scripts.
    public var check: String
    public var status: Status
    /// What was found, in one sentence.
    public var message: String
    /// For a warning or failure: what to do about it. Nil when there is nothing to do.
    public var fix: String?

    public init(check: String, status: Status, message: String, fix: String? = nil) {
        self.check = check
        self.status = status
        self.message = message
        self.fix = fix
    }

    static func ok(_ check: String, _ message: String) -> DoctorResult {
        DoctorResult(check: check, status: .ok, message: message)
    }
}

/// One check of `caro doctor`: a name and a function from the shared ``DoctorContext`` to its result.
/// Checks run in order, one at a time; a check may use what earlier ones found through the context.
public struct DoctorCheck: Sendable {
    public var name: String
    public var run: @Sendable (DoctorContext) -> DoctorResult

    public init(_ name: String, run: @escaping @Sendable (DoctorContext) -> DoctorResult) {
        self.name = name
        self.run = run
    }
}
