import CTLSBridge
import Glibc
import Synchronization

/// A TLS connection to a server, bridged to a plain socket that hiredis can use: one thread owns
/// the OpenSSL connection and moves bytes between it and a socketpair (see `tls_bridge.h`).
///
/// `clientDescriptor` belongs to the caller (hiredis closes it in `redisFree`); the bridge stops
/// and frees its thread in `deinit`, which must come after that.
final class TLSBridge {
    private let bridge: OpaquePointer
    /// The blocking descriptor to hand to `redisConnectFd`.
    let clientDescriptor: Int32

    /// Connects to `host:port`, completes and verifies the handshake within `timeout` ms.
    /// Throws `.tls` for certificate and handshake failures, `.connect` when the server cannot
    /// be reached, with a one-line message naming the endpoint and what to change.
    init(host: String, port: Int, options: RedisTLSOptions, timeout: Int, endpoint: RedisEndpoint) throws {
        var fd: Int32 = -1
        var failure = SESSCTL_TLS_OK
        var verifyCode = 0
        var message = [CChar](repeating: 0, count: 512)
        let context = try TLSContext.shared(for: options, endpoint: endpoint)
        let opened: OpaquePointer? = Hiredis.withoutSIGPIPE {
            withOptionalCString(options.serverName) { name in
                var peer = sessctl_tls_peer(server_name: name, insecure: options.insecure ? 1 : 0)
                return sessctl_tls_open(
                    context.pointer, host, Int32(port), &peer, Int32(clamping: timeout), &fd, &failure,
                    &verifyCode, &message, message.count)
            }
        }
        guard let opened else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Self.error(
                failure, verifyCode: verifyCode, text: text, endpoint: endpoint,
                name: options.serverName ?? host, options: options)
        }
        bridge = opened
        clientDescriptor = fd
    }

    deinit {
        Hiredis.withoutSIGPIPE { sessctl_tls_close(bridge) }
    }

    /// Why the TLS side ended, once it has ("" while it runs).
    var reason: String {
        var out = [CChar](repeating: 0, count: 256)
        sessctl_tls_reason(bridge, &out, out.count)
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The pump's reason in words a user can act on: a server that wants a client certificate
    /// says so only by an alert after the handshake.
    static func explain(_ reason: String) -> String {
        let lower = reason.lowercased()
        if lower.contains("certificate required") || lower.contains("peer did not return a certificate") {
            return "the server requires a client certificate (set cert= and key=)"
        }
        if lower.contains("unknown ca") || lower.contains("bad certificate") {
            return "the server rejected the client certificate (\(reason))"
        }
        return "TLS: \(reason)"
    }

    private static func error(
        _ failure: sessctl_tls_failure, verifyCode: Int, text: String, endpoint: RedisEndpoint,
        name: String, options: RedisTLSOptions
    ) -> RedisError {
        switch failure {
        case SESSCTL_TLS_CONNECT:
            return RedisError(.connect, "cannot connect to \(endpoint): \(text)")
        case SESSCTL_TLS_TIMEOUT:
            return RedisError(.connect, "cannot connect to \(endpoint): \(text)")
        case SESSCTL_TLS_CONFIG:
            return RedisError(.tls, "TLS to \(endpoint): \(text)")
        case SESSCTL_TLS_VERIFY:
            return RedisError(.tls, "TLS to \(endpoint): " + verifyMessage(verifyCode, text: text, name: name, options: options))
        case SESSCTL_TLS_HANDSHAKE:
            var hint = ""
            if text.contains("wrong version number") || text.contains("packet length too long") || text.contains("record layer failure") {
                hint = " (is it a plain, non-TLS port?)"
            }
            let lower = text.lowercased()
            if lower.contains("certificate required") || lower.contains("handshake failure") && options.certFile == nil {
                return RedisError(.tls, "TLS to \(endpoint): the server requires a client certificate (set cert= and key=)")
            }
            return RedisError(.tls, "TLS handshake with \(endpoint) failed: \(text)\(hint)")
        default:
            return RedisError(.connect, "cannot connect to \(endpoint) over TLS: \(text)")
        }
    }

    // X509_V_ERR_* codes from <openssl/x509_vfy.h>.
    private static let unknownIssuer: Set<Int> = [2, 18, 19, 20, 21]  // issuer missing, self-signed, unable to verify
    private static let nameMismatch: Set<Int> = [62, 63, 64]  // hostname, email, IP address mismatch

    private static func verifyMessage(_ code: Int, text: String, name: String, options: RedisTLSOptions) -> String {
        if nameMismatch.contains(code) {
            return "the server's certificate is not for '\(name)' (\(text)); connect by a name it carries, set sni=NAME, or insecure=1"
        }
        if unknownIssuer.contains(code) {
            let trusted = options.caFile.map { "the CA in \($0)" } ?? "the system's CAs"
            return "the server's certificate is not signed by \(trusted) (\(text)); set ca= to the CA that signed it, or insecure=1"
        }
        if code == 10 { return "the server's certificate has expired (\(text))" }
        return text
    }
}

/// The CA, certificate and key files loaded once and shared by every connection that names the
/// same files (loading them costs more than a handshake; a cluster opens several connections).
final class TLSContext: @unchecked Sendable {
    // An SSL_CTX may be used by many threads to make connections; it never changes after loading.
    let pointer: OpaquePointer

    private struct Files: Hashable {
        var ca: String?
        var cert: String?
        var key: String?
    }

    private static let cache = Mutex<[Files: TLSContext]>([:])

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        sessctl_tls_context_free(pointer)
    }

    /// The context for the options' files; throws `.tls` with a one-line reason when they cannot be used.
    static func shared(for options: RedisTLSOptions, endpoint: RedisEndpoint) throws -> TLSContext {
        let files = Files(ca: options.caFile, cert: options.certFile, key: options.keyFile)
        if let known = cache.withLock({ $0[files] }) { return known }
        var failure = SESSCTL_TLS_OK
        var message = [CChar](repeating: 0, count: 512)
        let made = withOptionalCString(files.ca) { ca in
            withOptionalCString(files.cert) { cert in
                withOptionalCString(files.key) { key in
                    var config = sessctl_tls_config(ca_file: ca, cert_file: cert, key_file: key)
                    return sessctl_tls_context_new(&config, &failure, &message, message.count)
                }
            }
        }
        guard let made else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw RedisError(.tls, "TLS to \(endpoint): \(text)")
        }
        let context = TLSContext(made)
        return cache.withLock { cached in
            if let other = cached[files] { return other }
            cached[files] = context
            return context
        }
    }
}

private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString { body($0) }
}
