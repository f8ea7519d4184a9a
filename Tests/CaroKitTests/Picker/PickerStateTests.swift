import CaroKit
import CaroStore
import Foundation
import Testing

/// Keys, the picker's state, its frames and the screen updates (the terminal itself is tested through tmux).
@Suite("Picker keys, state and frames")
struct PickerStateTests {
    static func ranked(_ commands: [String]) -> [RankedCommand] {
        commands.enumerated().map { index, command in
            RankedCommand(newest: HistoryRow(id: "\(index)", createdAt: 1_000_000 - Int64(index) * 60_000, command: command, exitCode: index),
                          prompt: index == 0 ? "the first" : nil, runs: 1, score: 0)
        }
    }

    @Test func bytesBecomeKeys() {
        #expect(PickerKeyDecoder.decode(Array("gi t".utf8)) == [.text("gi t")])
        #expect(PickerKeyDecoder.decode([0x1B, 0x5B, 0x41, 0x1B, 0x4F, 0x42, 0x10, 0x0E]) == [.up, .down, .up, .down])
        #expect(PickerKeyDecoder.decode([0x1B]) == [.cancel])
        #expect(PickerKeyDecoder.decode(Array("a\u{1B}bc".utf8)) == [.text("a"), .text("c")])  // Alt-b ignored
        #expect(PickerKeyDecoder.decode([0x03]) == [.cancel])
        #expect(PickerKeyDecoder.decode([0x07]) == [.cancel])
        #expect(PickerKeyDecoder.decode([0x12, 0x0D]) == [.nextMode, .accept])
        #expect(PickerKeyDecoder.decode([0x61, 0x7F, 0x15, 0x17]) == [.text("a"), .backspace, .clearQuery, .deleteWord])
        #expect(PickerKeyDecoder.decode(Array("\u{1B}[5~\u{1B}[6~\u{1B}[1;5C".utf8)) == [.pageUp, .pageDown])
        #expect(PickerKeyDecoder.decode(Array("é".utf8)) == [.text("é")])
    }

    @Test func keysEditTheQueryMoveTheSelectionAndChooseOrCancel() {
        var state = PickerState(query: "git", hasWorkspace: true)
        state.show(Self.ranked(["git status", "git push", "git pull"]))
        #expect(state.apply(.text(" st")) == .search)
        #expect(state.query == "git st")
        #expect(state.apply(.deleteWord) == .search)
        #expect(state.query == "git ")
        #expect(state.apply(.backspace) == .search)
        #expect(state.query == "git")
        #expect(state.apply(.down) == .redraw)
        #expect(state.apply(.down) == .redraw)
        #expect(state.apply(.down) == .redraw)
        #expect(state.selected == 2)
        #expect(state.apply(.up) == .redraw)
        #expect(state.apply(.accept) == .accept("git push"))
        #expect(state.apply(.cancel) == .cancel)
        #expect(state.apply(.clearQuery) == .search)
        #expect(state.query.isEmpty)
        state.show([])
        #expect(state.apply(.accept) == .cancel)
    }

    @Test func ctrlRCyclesTheModesAndSkipsTheWorkspaceOutsideGit() {
        var inGit = PickerState(query: "", hasWorkspace: true)
        var seen: [PickerMode] = []
        for _ in 0..<4 {
            #expect(inGit.apply(.nextMode) == .search)
            seen.append(inGit.mode)
        }
        #expect(seen == [.host, .directory, .workspace, .all])
        var outside = PickerState(query: "", hasWorkspace: false)
        seen = []
        for _ in 0..<3 {
            _ = outside.apply(.nextMode)
            seen.append(outside.mode)
        }
        #expect(seen == [.host, .directory, .all])
    }

    @Test func aFrameShowsQueryModeRowsPromptsAgeAndStatus() {
        var state = PickerState(query: "git", mode: .directory, hasWorkspace: true)
        state.show(Self.ranked(["git status", "git push\n--force"]))
        let lines = PickerFrame.lines(state, width: 60, height: 6, now: 1_000_000 + 5_000, color: false)
        let plain = lines.map(Self.stripped)
        #expect(plain.count == 4)
        #expect(plain[0] == "> git")
        #expect(plain[1].hasPrefix("[this directory]  2 commands"))
        #expect(plain[2].hasPrefix("> git status  # the first"))
        #expect(plain[2].hasSuffix("5s ago  ✓     "))
        #expect(plain[3].hasPrefix("  git push ↵ --force"))
        #expect(plain[3].hasSuffix("1m ago  ✗ 1   "))
        #expect(plain.allSatisfy { $0.count <= 60 })
        #expect(PickerFrame.cursorColumn(state, width: 60) == 6)
    }

    @Test func typedWordsAreUnderlinedWhereAWordStartsWithThem() {
        #expect(PickerFrame.underlining(["git", "st"], in: "git status  # Git stash") == "\u{1B}[4mgit\u{1B}[24m \u{1B}[4mst\u{1B}[24matus  # \u{1B}[4mGit\u{1B}[24m \u{1B}[4mst\u{1B}[24mash")
        #expect(PickerFrame.underlining(["it"], in: "git commit") == "git commit")  // only at word starts
        #expect(PickerFrame.underlining([], in: "ls") == "ls")
    }

    @Test func aLongListScrollsWithTheSelection() {
        var state = PickerState(query: "", hasWorkspace: false)
        state.show(Self.ranked((0..<20).map { "command \($0)" }))
        for _ in 0..<7 { _ = state.apply(.down) }
        let plain = PickerFrame.lines(state, width: 80, height: 5, now: 1_000_000, color: false).map(Self.stripped)
        #expect(plain.count == 5)
        #expect(plain[2].hasPrefix("  command 5"))
        #expect(plain[4].hasPrefix("> command 7"))
    }

    @Test func theScreenRewritesOnlyLinesThatChanged() {
        var screen = PickerScreen()
        let first = screen.update(["> g", "[all devices]", "  git status"], cursor: (1, 4))
        #expect(first.contains("\u{1B}[2J"))
        #expect(first.contains("\u{1B}[3;1H  git status"))
        let second = screen.update(["> gi", "[all devices]", "  git status"], cursor: (1, 5))
        #expect(second.contains("\u{1B}[1;1H> gi"))
        #expect(!second.contains("[all devices]"))
        #expect(!second.contains("git status"))
        #expect(!second.contains("\u{1B}[2J"))
        let shorter = screen.update(["> gi", "[all devices]"], cursor: (1, 5))
        #expect(shorter.contains("\u{1B}[3;1H\u{1B}[K"))
        screen.invalidate()
        #expect(screen.update(["> gi", "[all devices]"], cursor: (1, 5)).contains("[all devices]"))
    }

    @Test func wideCharactersCountTwoColumnsSoRowsNeverWrap() {
        var state = PickerState(query: "日本", hasWorkspace: false)
        state.show(Self.ranked(["echo 日本語のテキスト 🎉 " + String(repeating: "漢", count: 40)]))
        let plain = PickerFrame.lines(state, width: 40, height: 3, now: 1_000_000, color: false).map(Self.stripped)
        #expect(plain.allSatisfy { PickerFrame.columns($0) <= 40 }, "\(plain)")
        #expect(plain[2].contains("…"))
        #expect(plain[2].hasSuffix("0s ago  ✓     "))
        #expect(PickerFrame.cursorColumn(state, width: 40) == 7)
    }

    @Test func agesAreShort() {
        #expect(PickerFrame.ago(59_000) == "59s ago")
        #expect(PickerFrame.ago(5 * 60_000) == "5m ago")
        #expect(PickerFrame.ago(47 * 3_600_000) == "47h ago")
        #expect(PickerFrame.ago(3 * 86_400_000) == "3d ago")
        #expect(PickerFrame.ago(21 * 86_400_000) == "3w ago")
        #expect(PickerFrame.ago(800 * 86_400_000) == "2y ago")
    }

    /// `text` without ANSI escape sequences.
    static func stripped(_ text: String) -> String {
        var result = ""
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(scalar.value) && scalar != "[" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
