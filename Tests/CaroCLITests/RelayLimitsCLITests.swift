import Foundation
import Testing

/// `caro relay`'s queue limits: documented in its help, and nonsense values refused before it starts.
@Suite("caro relay limits")
struct RelayLimitsCLITests {
    @Test func theHelpDocumentsTheLimits() throws {
        let help = try CaroBinary.run(["relay", "--help"])
        #expect(help.status == 0)
        for flag in ["--queue-limit-mb", "--queue-hard-limit-mb", "--total-queue-limit-mb", "--stall-timeout"] {
            #expect(help.stdout.contains(flag), "\(flag) missing from: \(help.stdout)")
        }
    }

    @Test func nonsenseLimitsAreRefusedClearly() throws {
        let zero = try CaroBinary.run(["relay", "--in-memory", "--port", "0", "--queue-limit-mb", "0"])
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--queue-limit-mb must be a whole number from 1"), "\(zero.stderr)")
        let inverted = try CaroBinary.run(["relay", "--in-memory", "--port", "0", "--queue-limit-mb", "8", "--queue-hard-limit-mb", "4"])
        #expect(inverted.status != 0)
        #expect(inverted.stderr.contains("must be at least --queue-limit-mb"), "\(inverted.stderr)")
    }
}
