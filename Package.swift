// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sessctl",
    products: [
        .executable(name: "sessctl", targets: ["sessctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),

        // A small hiredis client: connections, replies, pipelining, SCAN.
        .target(name: "RedisClient", dependencies: ["CHiredis"]),

        // The domain: sessions, Go-compatible JSON, the storage protocol, backends, operations.
        .target(name: "SessionKit", dependencies: ["COpenSSL", "RedisClient"]),

        // The command-line tool.
        .executableTarget(
            name: "sessctl",
            dependencies: [
                "SessionKit",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets: temp dirs, fixtures, a private redis-server, running the binary.
        .target(name: "TestSupport", dependencies: ["SessionKit"], path: "Tests/TestSupport"),

        .testTarget(name: "SessionKitTests", dependencies: ["SessionKit", "RedisClient", "TestSupport"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "TestSupport"]),
        .testTarget(name: "sessctlTests", dependencies: ["SessionKit", "TestSupport"]),
    ]
)
