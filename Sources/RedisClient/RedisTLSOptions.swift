/// How to speak TLS to Redis: what to trust, what to present, and which name to check.
///
/// By default the server's certificate must chain to a trusted CA (`caFile`, else the system's
/// CAs) and name the host connected to (or `serverName`). `insecure` turns both checks off.
public struct RedisTLSOptions: Sendable, Equatable {
    /// PEM file of the CAs to trust; nil: the system's CA certificates.
    public var caFile: String?
    /// Client certificate (PEM chain) for servers that require one (`tls-auth-clients yes`).
    public var certFile: String?
    /// The client certificate's private key (PEM); nil: read from `certFile`.
    public var keyFile: String?
    /// The name sent as SNI and checked against the certificate, instead of the host connected to.
    public var serverName: String?
    /// Accept any certificate: no chain check, no name check.
    public var insecure: Bool

    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil, insecure: Bool = false) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.insecure = insecure
    }
}
