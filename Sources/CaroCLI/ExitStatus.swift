import ArgumentParser
import CaroKit
import CaroStore

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// The one place where errors become messages and exit codes: 0 ok, 1 error, 2 usage, 3 relay
/// unreachable. One line `caro: …` on stderr, or one JSON object `{"error": …, "exitCode": …}` on
/// stderr under `--json`; stdout carries only results.
enum ExitStatus {
    static let usage: Int32 = 2

    /// Reports `error` and returns the exit code.
    static func report(_ error: Error, json: Bool) -> Int32 {
        let code: Int32
        let message: String
        switch error {
        case let error as CaroError:
            (code, message) = (error.exitCode, error.description)
        case let error as SQLiteError:
            (code, message) = (1, CaroError.storage(error).description)
        case let error as ExitCode:
            return error.rawValue
        default:
            let parserCode = CaroCommand.exitCode(for: error)
            if parserCode == .success {
                // --help, --version: ArgumentParser's text on stdout.
                CLIOutput.line(CaroCommand.fullMessage(for: error))
                return 0
            }
            if parserCode == .validationFailure {
                let text = CaroCommand.message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "invalid arguments"
                (code, message) = (usage, text + " (see --help)")
            } else {
                let text = CaroCommand.message(for: error)
                (code, message) = (parserCode.rawValue == 0 ? 1 : parserCode.rawValue, text)
            }
        }
        if json {
            CLIOutput.errorJSON(ErrorOutput(error: message, exitCode: Int(code)))
        } else {
            CLIOutput.error(message)
        }
        return code
    }
}
