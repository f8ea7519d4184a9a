// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for caro-sync, kept out of the main package so they never slow or break its
/// build. Each executable defines `LLVMFuzzerTestOneInput` and its `main.swift` hands it to libFuzzer's driver:
///
///     swift build -c debug --package-path Fuzz --product fuzz-json -Xswiftc -sanitize=fuzzer,address
///     Fuzz/.build/debug/fuzz-json Fuzz/Corpus/json
///
/// `scripts/fuzz.sh` builds and runs them; `Docs/security.md` (Fuzzing) lists the targets and the runs.
let package = Package(
    name: "caro-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "caro-sync", path: "..")],
    targets: [
        /// libFuzzer's driver, called from each target's `main.swift`.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-sync-frame", dependencies: ["FuzzDriver", .product(name: "JazzProto", package: "caro-sync")]),
        .executableTarget(name: "fuzz-json", dependencies: ["FuzzDriver", .product(name: "JazzProto", package: "caro-sync")]),
        .executableTarget(name: "fuzz-ingest", dependencies: ["FuzzDriver", .product(name: "JazzProto", package: "caro-sync")]),
        .executableTarget(name: "fuzz-bip39", dependencies: ["FuzzDriver", .product(name: "JazzProto", package: "caro-sync")]),
        .executableTarget(name: "fuzz-websocket-url", dependencies: ["FuzzDriver", .product(name: "JazzProto", package: "caro-sync")]),
        .executableTarget(name: "fuzz-history-import", dependencies: ["FuzzDriver", .product(name: "CaroKit", package: "caro-sync")]),
        .executableTarget(
            name: "fuzz-search-query",
            dependencies: ["FuzzDriver", .product(name: "CaroKit", package: "caro-sync"), .product(name: "CaroStore", package: "caro-sync")]),
    ]
)
