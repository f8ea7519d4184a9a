import ArgumentParser
import CaroKit
import Foundation

/// `caro community …`: opt-in, anonymous usage counters (Docs/security.md, "Opt-in metrics").
struct CommunityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "community", abstract: "Opt-in usage counters: counts only, never commands, paths or hosts (off by default).",
        subcommands: [Enable.self, Preview.self, Contribute.self, Revoke.self])
}

extension CommunityCommand {
    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable",
            abstract: "Start counting commands (sets the synced preference share-metrics on).",
            discussion: "Counts, from now on, the commands caro history add records: generated (with a prompt), executed, succeeded (exit 0), by safety level and by shell. Nothing is shared until caro community contribute.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try CommunityMetrics(home: global.deviceHome).enable()
            CLIOutput.note("counting is on: caro community preview shows what would be shared; caro community revoke stops it", global)
        }
    }

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Print exactly what caro community contribute would share.",
            discussion: "The counters of this device plus those your other devices synced (as of the last sync). Standard output is the exact JSON snapshot that contribute appends (--json: on one line).")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            let snapshot = try CommunityMetrics(home: global.deviceHome).snapshot()
            let text = snapshot.counters.json.jsonStringify()
            if global.json { return CLIOutput.line(text) }
            CLIOutput.note(
                "metrics are \(snapshot.enabled ? "on" : "off"); the snapshot below sums \(SyncWording.count(snapshot.devices, "device", "devices"))", global)
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            let pretty = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            CLIOutput.line(String(decoding: pretty, as: UTF8.self))
        }
    }

    struct Contribute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contribute",
            abstract: "Append the snapshot to the community feed (anonymous, write-only).",
            discussion: "Appends what caro community preview prints to the CoFeed named by community-feed in config.toml, through community-relay (else the sync relay), as a new random Jazz account made for this one contribution. The feed's group gives everyone the writeOnly role: anyone can add, only its owners can read. Without community-feed it refuses and sends nothing.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let snapshot = try await CommunityMetrics(home: global.deviceHome).contribute()
            if global.json { return CLIOutput.line(snapshot.counters.json.jsonStringify()) }
            CLIOutput.note("contributed the counters of \(SyncWording.count(snapshot.devices, "device", "devices"))", global)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "Stop counting and delete the counters (here, and this device's synced ones).",
            discussion: "Sets share-metrics off (it syncs: every device stops counting and forgets its counters at its next sync), deletes this device's counters, and, with sync set up, syncs now so that this device's synced counters are deleted too (if the relay cannot be reached, the next sync does it). Snapshots already contributed cannot be taken back: they carry no identity.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let revocation = try await CommunityMetrics(home: global.deviceHome).revoke()
            CLIOutput.note(
                "counting is off; deleted \(SyncWording.count(revocation.deletedCounters, "counter", "counters")) here"
                    + (revocation.syncedRemoved ? " and this device's synced counters" : "; this device's synced counters (if any) go at the next sync"),
                global)
        }
    }
}
