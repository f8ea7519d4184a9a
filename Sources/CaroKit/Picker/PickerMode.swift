/// Which history the picker shows; Ctrl-R cycles through them (as in Atuin).
public enum PickerMode: String, Sendable, CaseIterable {
    /// Every entry, from every device.
    case all
    /// Entries recorded on this host.
    case host
    /// Entries run in the current directory.
    case directory
    /// Entries run in the git work tree containing the current directory.
    case workspace

    /// The name shown in the status line.
    public var title: String {
        switch self {
        case .all: return "all devices"
        case .host: return "this host"
        case .directory: return "this directory"
        case .workspace: return "this git workspace"
        }
    }

    /// The mode after this one; `workspace` is skipped when there is no git work tree.
    public func next(hasWorkspace: Bool) -> PickerMode {
        let modes = Self.allCases.filter { $0 != .workspace || hasWorkspace }
        let index = modes.firstIndex(of: self) ?? 0
        return modes[(index + 1) % modes.count]
    }
}

/// Where the picker was opened: what "here" means for the filter modes and the ranking.
public struct PickerContext: Sendable, Equatable {
    /// The current directory (absolute), if known.
    public var directory: String?
    /// The git work tree containing ``directory``, if any.
    public var workspace: String?
    /// This machine's host name.
    public var hostname: String
    /// Now, in ms since the epoch.
    public var now: Int64

    public init(directory: String?, workspace: String?, hostname: String, now: Int64) {
        self.directory = directory
        self.workspace = workspace
        self.hostname = hostname
        self.now = now
    }

    /// The context of this process: its directory, its git work tree, this host, the clock.
    public static func current() -> PickerContext {
        let directory = HistoryFilters.currentDirectory()
        return PickerContext(directory: directory, workspace: directory.flatMap(HistoryFilters.gitWorkTree(containing:)),
                             hostname: HistoryService.hostname, now: Timestamp.now())
    }

    /// True when `path` is ``workspace`` or below it.
    func isInWorkspace(_ path: String?) -> Bool {
        guard let workspace, let path else { return false }
        return path == workspace || path.hasPrefix(workspace == "/" ? "/" : workspace + "/")
    }
}
