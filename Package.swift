// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// `CARO_STATIC_C=1` (scripts/release.sh) links libsodium, libwebsockets (with OpenSSL, zlib, libcap) and
/// SQLite from Debian's `.a` archives instead of their shared libraries: with `--static-swift-stdlib`
/// the release `caro` then needs only libc, libm and libstdc++ at run time, and starts faster (no
/// relocation of libcrypto at every start). Otherwise pkg-config names the shared libraries.
let staticC = ProcessInfo.processInfo.environment["CARO_STATIC_C"] == "1"
let staticCLibraries: [LinkerSetting] = staticC
    ? [.unsafeFlags(["-Xlinker", "-Bstatic",
                     "-Xlinker", "-lwebsockets", "-Xlinker", "-lssl", "-Xlinker", "-lcrypto",
                     "-Xlinker", "-lz", "-Xlinker", "-lcap", "-Xlinker", "-lsodium", "-Xlinker", "-lsqlite3",
                     "-Xlinker", "-Bdynamic", "-Xlinker", "-ldl", "-Xlinker", "-lpthread", "-Xlinker", "-lm"])]
    : []

let package = Package(
    name: "caro-sync",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "JazzProto", targets: ["JazzProto"]),
        .library(name: "CaroStore", targets: ["CaroStore"]),
        .library(name: "CaroKit", targets: ["CaroKit"]),
        .executable(name: "caro", targets: ["CaroCLI"]),
        .executable(name: "caro-benchmarks", targets: ["CaroBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian (see .ci/run for the apt packages).
        .systemLibrary(
            name: "CSodium", path: "Sources/CSodium", pkgConfig: staticC ? nil : "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]),
        .systemLibrary(
            name: "CWebSockets", path: "Sources/CWebSockets", pkgConfig: staticC ? nil : "libwebsockets",
            providers: [.apt(["libwebsockets-dev"]), .brew(["libwebsockets"])]),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: staticC ? nil : "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),

        .target(name: "JazzProto", dependencies: ["CSodium", "CWebSockets"], linkerSettings: staticCLibraries),
        .target(name: "CaroStore", dependencies: ["JazzProto", "CSQLite"]),
        .target(name: "CaroKit", dependencies: ["JazzProto", "CaroStore"]),
        .executableTarget(
            name: "CaroCLI",
            dependencies: [
                "CaroKit", "CaroStore", "JazzProto", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "CaroBenchmarks", dependencies: ["JazzProto"], path: "Benchmarks"),

        .testTarget(name: "JazzProtoTests", dependencies: ["JazzProto"]),
        .testTarget(name: "CaroStoreTests", dependencies: ["CaroStore"]),
        .testTarget(name: "CaroKitTests", dependencies: ["CaroKit", "CaroStore", "JazzProto"]),
        // End-to-end tests: they run the built `caro` binary as a user would.
        .testTarget(name: "CaroCLITests", dependencies: ["CaroKit", "CaroStore", "JazzProto"]),
    ]
)
