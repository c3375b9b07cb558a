// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sessctl",
    products: [
        .executable(name: "sessctl", targets: ["sessctl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // C libraries from Debian packages.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),

        // TLS for hiredis 0.14, which has none: an OpenSSL connection pumped to a socketpair by its own thread.
        .target(name: "CTLSBridge", dependencies: ["COpenSSL"]),

        // A small hiredis client: connections, replies, pipelining, SCAN, TLS, and routing over
        // one server, Sentinel or a cluster.
        .target(name: "RedisClient", dependencies: ["CHiredis", "CTLSBridge"]),

        // The domain: sessions, Go-compatible JSON, the storage protocol, backends, operations.
        .target(name: "SessionKit", dependencies: ["COpenSSL", "RedisClient"]),

        // The command-line tool.
        .executableTarget(
            name: "sessctl",
            dependencies: [
                "SessionKit",
                "CEditLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            plugins: ["BuildInfo"]
        ),

        // Stamps the version and commit (scripts/version.sh) into every build of the tool.
        .plugin(name: "BuildInfo", capability: .buildTool()),

        // Helpers shared by the test targets: temp dirs, fixtures, a private redis-server, running the binary.
        .target(name: "TestSupport", dependencies: ["SessionKit", "RedisClient"], path: "Tests/TestSupport"),

        .testTarget(name: "SessionKitTests", dependencies: ["SessionKit", "RedisClient", "TestSupport"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "TestSupport"]),
        .testTarget(name: "sessctlTests", dependencies: ["SessionKit", "TestSupport"])
    ]
)
