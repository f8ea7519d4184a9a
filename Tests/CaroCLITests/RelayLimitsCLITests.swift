import Foundation
import JazzProto
import Testing

/// `caro relay`'s queue limits: documented in its help, and nonsense values refused before it starts.
@Suite("caro relay limits")
struct RelayLimitsCLITests {
    @Test func theHelpDocumentsTheLimits() throws {
        let help = try CaroBinary.run(["relay", "--help"])
        #expect(help.status == 0)
        for flag in ["--max-connections", "--max-frame-mb", "--max-message-mb", "--handshake-timeout", "--idle-timeout",
                     "--queue-limit-mb", "--queue-hard-limit-mb", "--total-queue-limit-mb", "--stall-timeout"] {
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
        for (flag, value, range) in [("--max-frame-mb", "0", "1 to 4096"), ("--max-message-mb", "5000", "1 to 4096"),
                                     ("--handshake-timeout", "0", "1 to 65535"), ("--idle-timeout", "1", "2 to 65535")] {
            let refused = try CaroBinary.run(["relay", "--in-memory", "--port", "0", flag, value])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("\(flag) must be a whole number from \(range), got \(value)"), "\(refused.stderr)")
        }
    }

    @Test func theFrameAndMessageLimitsAreEnforced() async throws {
        let relay = try RelayProcess(["--in-memory", "--max-frame-mb", "2", "--max-message-mb", "1"])
        defer { relay.stop() }
        let (client, recorder) = try await relay.rawPeer()
        defer { client.stop() }
        let connected = recorder.connected.load(ordering: .relaxed)
        #expect(connected)
        // A line over 1 MiB inside a frame under it: refused alone and logged, the connection stays.
        let missing = try LocalNode.createAccount(agentSecret: .random()).accountID!
        let padded = #"{"action":"load","id":"\#(missing)","header":false,"sessions":{},"pad":"\#(String(repeating: "x", count: 1 << 20))"}"#
        client.send(padded + "\n" + SyncMessage.load(KnownState(id: missing)).text)
        #expect(await RelayFaultTests.wait(.seconds(60)) { recorder.messageCount == 1 }, "only the short load is answered")
        #expect(await RelayFaultTests.wait(.seconds(60)) { relay.stderr.contains("over the limit of 1048576") }, "\(relay.stderr)")
        let stillConnected = recorder.connected.load(ordering: .relaxed)
        #expect(stillConnected)
        // A frame over 2 MiB (about 3 MB) closes the connection.
        client.send(String(repeating: SyncMessage.load(KnownState(id: missing)).text + "\n", count: 40_000))
        // The client reconnects by itself (after 0.5 s): count disconnects rather than watch `connected`, which a
        // poll starved on a loaded machine saw true again. Generous: beside the load test reading 3 MB is slow.
        #expect(await RelayFaultTests.wait(.seconds(60)) { !recorder.disconnects.isEmpty })
        #expect(recorder.disconnects.first?.contains("1009") == true, "\(recorder.disconnects)")
    }
}
