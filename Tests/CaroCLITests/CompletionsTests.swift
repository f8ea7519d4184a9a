import Foundation
import Testing

/// `caro completions bash|zsh|fish`: the scripts are loaded in the real shells, which must accept them
/// and complete `caro hist` to `history`.
@Suite("caro completions", .serialized)
struct CompletionsTests {
    /// A scratch directory with the script for `shell` saved in it, removed afterwards.
    final class Scratch {
        let directory = try? TemporaryHome()
        var path: String { directory?.path ?? "/nonexistent" }

        func script(_ shell: String, named name: String) throws -> String {
            let result = try CaroBinary.run(["completions", shell])
            #expect(result.status == 0, "\(result.stderr)")
            let file = path + "/" + name
            try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        /// Runs `executable arguments…` with HOME and the XDG directories inside the scratch directory and
        /// `caro` first on PATH.
        func run(_ executable: String, _ arguments: [String]) throws -> CaroBinary.Result {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            return try CaroBinary.runExecutable(URL(fileURLWithPath: executable), arguments, environment: [
                "HOME": self.path, "XDG_CONFIG_HOME": self.path + "/config", "XDG_DATA_HOME": self.path + "/data",
                "ZDOTDIR": self.path, "PATH": CaroBinary.url.deletingLastPathComponent().path + ":" + path,
            ])
        }
    }

    @Test func bashLoadsTheScriptAndCompletesSubcommands() throws {
        let scratch = Scratch()
        let file = try scratch.script("bash", named: "caro.bash")
        let result = try scratch.run("/usr/bin/bash", ["--norc", "--noprofile", "-c", """
            source '\(file)' || exit 9
            complete -p caro
            COMP_WORDS=(caro hist); COMP_CWORD=1; COMP_LINE='caro hist'; COMP_POINT=${#COMP_LINE}
            func=$(complete -p caro | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p')
            "$func" caro hist caro
            printf 'reply:%s\\n' "${COMPREPLY[@]}"
            """])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("-F _caro caro"), "\(result.stdout)")
        #expect(result.stdout.contains("reply:history"), "\(result.stdout)\(result.stderr)")
        #expect(!result.stdout.contains("reply:prefs"))
    }

    @Test func zshCompinitFindsTheFunction() throws {
        let scratch = Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path + "/zfunc", withIntermediateDirectories: true)
        _ = try scratch.script("zsh", named: "zfunc/_caro")
        let result = try scratch.run("/usr/bin/zsh", ["-f", "-c", """
            fpath=("$ZDOTDIR/zfunc" $fpath)
            autoload -Uz compinit && compinit -d "$ZDOTDIR/.zcompdump" || exit 9
            print -r -- "registered:${_comps[caro]}"
            autoload +X _caro || exit 8
            whence -w _caro
            functions _caro | grep -c history
            """])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("registered:_caro"), "\(result.stdout)")
        #expect(result.stdout.contains("_caro: function"), "\(result.stdout)")
        #expect(!result.stdout.contains("\n0\n"), "the function knows the history command: \(result.stdout)")
    }

    @Test func fishCompletesHistory() throws {
        let scratch = Scratch()
        let file = try scratch.script("fish", named: "caro.fish")
        let result = try scratch.run("/usr/bin/fish", ["--no-config", "-c", "source '\(file)'; and complete -C 'caro hist'"])
        #expect(result.status == 0, "\(result.stderr)")
        let candidates = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").first.map(String.init) ?? "" }
        #expect(candidates.contains("history"), "\(result.stdout)\(result.stderr)")
        #expect(!candidates.contains("prefs"))
        let keys = try scratch.run("/usr/bin/fish", ["--no-config", "-c", "source '\(file)'; and complete -C 'caro config set '"])
        let keyNames = Set(keys.stdout.split(separator: "\n").compactMap { $0.split(separator: "\t").first.map(String.init) })
        #expect(keyNames.isSuperset(of: ["relay", "relay-ca-file", "auto-sync", "color"]), "\(keys.stdout)\(keys.stderr)")
    }

    @Test func anUnknownShellIsAUsageError() throws {
        let result = try CaroBinary.run(["completions", "powershell"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("powershell"))
        #expect(result.stdout.isEmpty)
    }
}
