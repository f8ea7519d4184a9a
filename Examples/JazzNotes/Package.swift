// swift-tools-version: 6.0
// An app that uses caro-sync's Jazz protocol library (`import JazzProto`), with public API only.
// Built and run against a local relay by the test suite (Tests/CaroCLITests/LibraryExampleTests.swift).
import PackageDescription

let package = Package(
    name: "JazzNotes",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "caro-sync", path: "../..")],
    targets: [
        .executableTarget(name: "JazzNotes", dependencies: [.product(name: "JazzProto", package: "caro-sync")]),
    ]
)
