/// What sessctl can read back: JSON within `JSONParser.Limits` (64 MiB, 500 levels of nesting).
/// Every read checks these limits; every write of a JSON layout checks them first, so sessctl
/// never writes a session that it (or the next read) would refuse.
extension JSONParser.Limits {
    /// Why JSON text of `count` bytes is too large to read, in a phrase; nil when it is not.
    public func sizeRefusal(_ count: Int) -> String? {
        guard count > maxBytes else { return nil }
        let mib = maxBytes >= 1 << 20 ? " (\(maxBytes >> 20) MiB)" : ""
        return "its JSON is \(count) bytes, over sessctl's limit of \(maxBytes) bytes\(mib)"
    }

    /// Why the session `data` could not be read back once written as JSON; nil when it can.
    /// `encoded` is its JSON text when already made; else it is made only if the data might be
    /// too large.
    func refusal(_ data: JSONObject, encoded: [UInt8]?, style: JSONEscapeStyle) -> String? {
        let (bound, depth) = JSONValue.object(data).extent()
        if depth > maxDepth { return "its data nests \(depth) levels deep, over sessctl's limit of \(maxDepth)" }
        if let encoded { return sizeRefusal(encoded.count) }
        return bound <= maxBytes ? nil : sizeRefusal(GoJSONEncoder.encode(data, style: style).count)
    }
}

extension JSONValue {
    /// An upper bound on the bytes of the value's JSON text (each string byte escaped as
    /// `\u00XX`), and how many objects and arrays deep it nests (a scalar: 0).
    func extent() -> (bytes: Int, depth: Int) {
        func text(_ s: String) -> Int { s.utf8.count * 6 + 2 }
        switch self {
        case .null, .bool: return (5, 0)
        case .number(let n): return (n.utf8.count, 0)
        case .string(let s): return (text(s), 0)
        case .array(let items):
            var (bytes, depth) = (2 + items.count, 0)
            for item in items {
                let e = item.extent()
                (bytes, depth) = (bytes + e.bytes, max(depth, e.depth))
            }
            return (bytes, depth + 1)
        case .object(let object):
            var (bytes, depth) = (2 + 2 * object.count, 0)
            for (key, value) in object {
                let e = value.extent()
                (bytes, depth) = (bytes + text(key) + e.bytes, max(depth, e.depth))
            }
            return (bytes, depth + 1)
        }
    }
}
