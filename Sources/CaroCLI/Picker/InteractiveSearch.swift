import ArgumentParser
import CaroKit
import CaroStore
import Foundation

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// `caro history search -i`: the full-screen picker. Draws on `/dev/tty`; on Enter prints the chosen
/// command on stdout (for the shell hook to put on the command line; with `--json`, its newest entry as
/// the entry JSON) and exits 0; Esc, Ctrl-C and
/// Ctrl-G leave without printing anything (exit 1); a signal (SIGINT, SIGTERM, SIGHUP) exits 128 + its
/// number. The terminal is restored on every way out.
enum InteractiveSearch {
    static func run(home: DeviceHome, base: HistoryQuery, initialQuery: String, json: Bool) throws {
        let service = try HistoryService(home: home)
        let context = PickerContext.current()
        let search = PickerSearch(store: service.store, base: base, context: context)
        let terminal = try Terminal()
        let color = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        var state = PickerState(query: initialQuery, hasWorkspace: context.workspace != nil)
        var screen = PickerScreen()
        terminal.enter()
        defer { terminal.restore() }

        var needsSearch = true
        while true {
            if needsSearch { state.show(try search.commands(matching: state.query, mode: state.mode)) }
            needsSearch = false
            let size = terminal.size()
            state.pageSize = max(size.rows - 2, 1)
            let lines = PickerFrame.lines(state, width: size.columns, height: size.rows, now: Timestamp.now(), color: color)
            terminal.write(screen.update(lines, cursor: (1, PickerFrame.cursorColumn(state, width: size.columns))))

            switch terminal.next() {
            case .signal(SIGWINCH):
                screen.invalidate()
            case .signal(let number):
                terminal.restore()
                throw ExitCode(128 + number)
            case .input(let bytes):
                for key in PickerKeyDecoder.decode(bytes) {
                    // Typed text is searched once per batch; a key that uses the results sees them current.
                    if needsSearch && !key.editsQuery {
                        state.show(try search.commands(matching: state.query, mode: state.mode))
                        needsSearch = false
                    }
                    switch state.apply(key) {
                    case .redraw: break
                    case .search: needsSearch = true
                    case .cancel:
                        terminal.restore()
                        throw ExitCode(1)
                    case .accept(let command):
                        terminal.restore()
                        if json, state.results.indices.contains(state.selected) {
                            try CLIOutput.json(EntryOutput(state.results[state.selected].newest))
                        } else {
                            CLIOutput.line(command)
                        }
                        return
                    }
                }
            }
        }
    }
}
