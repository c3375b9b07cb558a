import COpenSSL

/// Where a destructive operation keeps what it is about to remove or replace, before it does:
/// the trash (`TrashWriter`), from which `undo` puts it back. An operation calls `willChange`
/// with the sessions exactly as it read them, changes only those still as read (their
/// revision), then says with `didChange` what became of each. A session recorded without a
/// `didChange` entry was left as it was.
public protocol ChangeRecorder: AnyObject {
    /// Keeps the sessions as they are now, durably; throws when it cannot, and then nothing of
    /// them may change.
    func willChange(_ sessions: [Session]) throws(SessionError)
    /// What became of sessions: removed, replaced, or created where there was none.
    func didChange(_ changes: [TrashChange]) throws(SessionError)
    /// Keeps Redis keys (or some of their fields or members) that are no session's, as a repair
    /// found them, before it removes them (`check --fix`); throws when it cannot.
    func willRemove(keys: [RemovedKey]) throws(SessionError)
    /// The keys (as named in `willRemove`) that were then removed.
    func didRemove(keys: [[UInt8]]) throws(SessionError)
}

/// A Redis key that is no session's (what `check --fix` removes), or the part of it removed,
/// with its content as it was.
public struct RemovedKey: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// The whole key: its `DUMP` payload, and when it was to expire (Unix ms).
        case whole(dump: [UInt8], expiresAt: Int64?)
        /// Fields of a hash, with their values.
        case fields([[UInt8]], values: [[UInt8]])
        /// Members of a sorted set, with their scores as Redis printed them.
        case members([[UInt8]], scores: [String])
    }

    public var key: [UInt8]
    public var content: Content

    public init(key: [UInt8], content: Content) {
        self.key = key
        self.content = content
    }
}

/// What an operation did to one session.
public struct TrashChange: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// It was removed.
        case removed
        /// It was replaced by the session whose revision has `after` as its digest.
        case replaced
        /// It did not exist and was created; its revision's digest is `after`.
        case created
    }

    public var id: String
    public var kind: Kind
    /// `RevisionDigest` of the session the operation left (replaced, created).
    public var after: String?

    public init(id: String, kind: Kind, after: String? = nil) {
        self.id = id
        self.kind = kind
        self.after = after
    }

    public static func removed(_ id: String) -> TrashChange { TrashChange(id: id, kind: .removed) }
}

/// The digest undo compares to tell whether a session is still as an operation left it: the
/// SHA-256 (hex) of its revision, the exact bytes it was read from.
public enum RevisionDigest {
    public static func of(_ session: Session) -> String? {
        session.revision.map { hex(SHA256.digest($0.bytes)) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// SHA-256 through libcrypto.
enum SHA256 {
    static func digest(_ input: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = input.withUnsafeBufferPointer { i in
            digest.withUnsafeMutableBufferPointer { d in
                EVP_Digest(i.baseAddress, i.count, d.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "SHA-256 through libcrypto failed")
        return digest
    }
}

extension SessionStore {
    /// The digests of the sessions as they are now, for `TrashChange.after`: nil for one that
    /// is gone or cannot be read.
    public func revisionDigests(_ ids: [String]) throws -> [String?] {
        guard !ids.isEmpty else { return [] }
        return try load(ids).map { loaded in
            if case .found(let s) = loaded { return RevisionDigest.of(s) }
            return nil
        }
    }
}
