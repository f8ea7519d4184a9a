import ArgumentParser
import CaroKit
import Foundation
import JazzProto

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Reading input for commands.
enum CLIInput {
    static func readFile(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("Cannot read \(path): \(error.localizedDescription)")
        }
    }

    static func readStandardInput() -> String {
        String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Reads a line from the terminal without echoing it.
    static func hiddenPrompt(_ prompt: String) -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        let isTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        }
        let line = readLine(strippingNewline: true) ?? ""
        if isTerminal {
            tcsetattr(STDIN_FILENO, TCSANOW, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return line
    }
}

/// Writing output and diagnostics.
enum CLIOutput {
    /// A line on standard output, written immediately (not buffered).
    static func line(_ text: String) {
        writeAll(text + "\n", to: STDOUT_FILENO)
    }

    /// Writes all of `text` with write(2): no `Data` in between (building one from a String costs a
    /// run-time protocol-conformance scan of the whole binary, a tenth of a millisecond in `history add`).
    static func writeAll(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            guard var next = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let written = write(descriptor, next, left)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                next += written
                left -= written
            }
        }
    }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data("caro: \(message)\n".utf8))
    }

    /// A note on stderr (progress, what happened), unless `--quiet`.
    static func note(_ message: String, _ global: GlobalOptions) {
        note(message, quiet: global.quiet)
    }

    static func note(_ message: String, quiet: Bool) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("caro: \(message)\n".utf8))
    }
}

/// Turns library errors into ``CaroError/failed(_:)`` (exit 1, their own message).
enum CLIErrors {
    static func map<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CaroError {
            throw error
        } catch let error as CustomStringConvertible & Error {
            throw CaroError.failed(error.description)
        }
    }
}

/// Facts about this process.
enum ProcessStats {
    /// Peak resident set size (VmHWM) in MB, from /proc/self/status.
    static func peakResidentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return -1 }
        let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kilobytes / 1024
    }
}
