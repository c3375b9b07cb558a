import Foundation

/// A throwaway PKI made with `openssl` at test time (ECDSA P-256, valid one day, ~0.1 s): a CA,
/// certificates signed by it, and a second CA nobody trusts. Removed with `remove()`.
public final class TestPKI: @unchecked Sendable {
    public let directory: String
    /// The CA the servers' and the client's certificates are signed by.
    public var ca: String { directory + "/ca.crt" }
    /// A CA that signed nothing here: "unknown CA" for every server.
    public var otherCA: String { directory + "/other-ca.crt" }
    /// For cluster and replication nodes (they present it as a client on the bus too):
    /// `DNS:localhost, IP:127.0.0.1`, serverAuth and clientAuth.
    public var nodeCert: String { directory + "/node.crt" }
    public var nodeKey: String { directory + "/node.key" }
    /// For a server known only as `localhost` (no IP in it): connecting to 127.0.0.1 is a wrong host.
    public var localhostCert: String { directory + "/localhost.crt" }
    public var localhostKey: String { directory + "/localhost.key" }
    /// The client certificate (clientAuth).
    public var clientCert: String { directory + "/client.crt" }
    public var clientKey: String { directory + "/client.key" }

    public init() throws {
        guard let openssl = RedisServer.findExecutable("openssl") else {
            throw RedisServerError("openssl is missing from PATH; the TLS tests need it (Debian package openssl)")
        }
        directory = NSTemporaryDirectory() + "sessctl-pki-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func run(_ args: [String]) throws {
            let child = try ChildProcess.spawn(openssl, args)
            let status = child.wait()
            if status != 0 { throw RedisServerError("openssl \(args.joined(separator: " ")) exited with status \(status)") }
        }
        let d = directory
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for name in ["ca", "other-ca"] {
            try run(
                ["req", "-x509", "-new"] + ec + [
                    "-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).crt", "-days", "1",
                    "-subj", "/CN=sessctl test \(name)"
                ])
        }
        let leaves: [(String, String, String)] = [
            ("node", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"),
            ("localhost", "localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"),
            ("client", "sessctl", "extendedKeyUsage=clientAuth\n")
        ]
        for (name, cn, ext) in leaves {
            try run(["req", "-new"] + ec + ["-keyout", "\(d)/\(name).key", "-out", "\(d)/\(name).csr", "-subj", "/CN=\(cn)"])
            try ext.write(toFile: "\(d)/\(name).ext", atomically: true, encoding: .utf8)
            try run([
                "x509", "-req", "-in", "\(d)/\(name).csr", "-CA", "\(d)/ca.crt", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                "-out", "\(d)/\(name).crt", "-days", "1", "-extfile", "\(d)/\(name).ext"
            ])
        }
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `redis-server` arguments for TLS with the node certificate, trusting the CA.
    public var serverArguments: [String] {
        ["--tls-cert-file", nodeCert, "--tls-key-file", nodeKey, "--tls-ca-cert-file", ca]
    }

    /// `redis-cli` arguments for TLS with the client certificate.
    public var cliArguments: [String] {
        ["--tls", "--cacert", ca, "--cert", clientCert, "--key", clientKey]
    }
}
