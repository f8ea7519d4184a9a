import CaroKit
import Testing

@Suite("History file locator")
struct HistoryFileLocatorTests {
    static func locator(_ environment: [String: String], existing: Set<String>) -> HistoryFileLocator {
        HistoryFileLocator(environment: environment, homeDirectory: "/home/u", fileExists: { existing.contains($0) })
    }

    @Test func bashPrefersHISTFILE() throws {
        let everything: Set = ["/h/custom", "/home/u/.bash_history"]
        #expect(try Self.locator(["HISTFILE": "/h/custom"], existing: everything).locate(.bash) == "/h/custom")
        #expect(try Self.locator([:], existing: everything).locate(.bash) == "/home/u/.bash_history")
        #expect(try Self.locator(["HISTFILE": ""], existing: everything).locate(.bash) == "/home/u/.bash_history")
    }

    @Test func zshLooksInZDOTDIRThenHome() throws {
        #expect(try Self.locator(["ZDOTDIR": "/z"], existing: ["/z/.zsh_history", "/home/u/.zsh_history"])
            .locate(.zsh) == "/z/.zsh_history")
        #expect(try Self.locator(["ZDOTDIR": "/z"], existing: ["/home/u/.histfile"]).locate(.zsh) == "/home/u/.histfile")
        #expect(try Self.locator([:], existing: ["/home/u/.zhistory", "/home/u/.histfile"]).locate(.zsh)
            == "/home/u/.zhistory")
        #expect(try Self.locator(["HISTFILE": "/h/z"], existing: ["/h/z", "/home/u/.zsh_history"]).locate(.zsh) == "/h/z")
    }

    @Test func fishUsesXDGDataHomeAndTheSessionName() throws {
        #expect(Self.locator([:], existing: []).candidates(for: .fish) == ["/home/u/.local/share/fish/fish_history"])
        #expect(Self.locator(["XDG_DATA_HOME": "/d/"], existing: []).candidates(for: .fish) == ["/d/fish/fish_history"])
        #expect(Self.locator(["fish_history": "work"], existing: []).candidates(for: .fish)
            == ["/home/u/.local/share/fish/work_history"])
        #expect(Self.locator(["fish_history": "default"], existing: []).candidates(for: .fish)
            == ["/home/u/.local/share/fish/fish_history"])
    }

    @Test func nothingFoundSaysWhereItLookedAndWhatToDo() {
        #expect(throws: HistoryFileLocator.LocatorError.notFound(shell: .zsh, tried: [
            "/home/u/.zsh_history", "/home/u/.zhistory", "/home/u/.histfile",
        ])) { try Self.locator([:], existing: []).locate(.zsh) }
        let message = HistoryFileLocator.LocatorError.notFound(shell: .bash, tried: ["/x"]).description
        #expect(message.contains("/x") && message.contains("caro history import bash FILE"))
    }
}
