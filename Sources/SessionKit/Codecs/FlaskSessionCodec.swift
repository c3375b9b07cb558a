/// Flask-Session 0.8's values (`MsgSpecSerializer`): `dict(session)` as msgpack (the default) or
/// JSON (`SESSION_SERIALIZATION_FORMAT = 'json'`), read as Flask reads them (msgpack, then JSON,
/// then a legacy pickle). Members keep their stored order and, while unchanged, their exact
/// bytes; a new member goes last, as in a Python dict. Pickles are read only: an edit writes
/// the configured format, as Flask does.
enum FlaskSessionFormat: String, Sendable {
    case msgpack
    case json
    case pickle
}

struct FlaskStoredSession {
    typealias Entry = (key: String, raw: ArraySlice<UInt8>?, value: JSONValue)
    var format: FlaskSessionFormat
    var entries: [Entry]
    var data: JSONObject {
        JSONObject(entries.map { ($0.key, $0.value) })
    }
}

enum FlaskSessionCodec {
    static let notADict = "a value that is not a dict, so not a Flask session"

    static func decode(_ bytes: [UInt8]) -> Result<FlaskStoredSession, StoredBlobProblem> {
        if bytes.isEmpty { return .failure(StoredBlobProblem(.foreign, "an empty value, not a Flask session")) }
        var msgpackError = ""
        do {
            guard let entries = try MsgPack.mapEntries(bytes[...]) else { return .failure(StoredBlobProblem(.foreign, notADict)) }
            return .success(FlaskStoredSession(format: .msgpack, entries: entries.map { ($0.key, $0.raw, $0.value) }))
        } catch {
            msgpackError = error.description
        }
        var jsonError = ""
        do {
            guard let entries = try jsonEntries(bytes) else { return .failure(StoredBlobProblem(.foreign, notADict)) }
            return .success(FlaskStoredSession(format: .json, entries: entries))
        } catch {
            jsonError = error.describing("the JSON value")
        }
        var pickleError = ""
        do {
            guard let entries = try PickleReader.dictEntries(bytes[...]) else { return .failure(StoredBlobProblem(.foreign, notADict)) }
            return .success(FlaskStoredSession(format: .pickle, entries: entries.map { ($0.key, nil, $0.value) }))
        } catch {
            pickleError = error.description
        }
        // The reason of the format the bytes look like.
        let first = bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }) ?? 0
        let reason: String
        if bytes.count > 1 && bytes[0] == 0x80 && bytes[1] <= 5 {
            reason = pickleError
        } else if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") {
            reason = jsonError
        } else {
            reason = msgpackError
        }
        return .failure(StoredBlobProblem(.broken, "\(reason); left untouched"))
    }

    /// The top-level members of a JSON object in their stored order with their exact bytes; nil
    /// for another JSON value.
    static func jsonEntries(_ bytes: [UInt8]) throws(JSONParseError) -> [FlaskStoredSession.Entry]? {
        guard case .object = try JSONParser.parse(bytes) else { return nil }
        // The text is valid JSON: split it at its top-level commas and colons.
        var entries: [FlaskStoredSession.Entry] = []
        var depth = 0
        var inString = false
        var escaped = false
        var keyStart = -1
        var valueStart = -1
        var key = ""
        func finish(_ end: Int) throws(JSONParseError) {
            guard valueStart >= 0 else { return }
            let raw = bytes[valueStart..<end]
            let value = try JSONParser.parse(Array(raw))
            if let i = entries.firstIndex(where: { $0.key == key }) { entries.remove(at: i) }
            entries.append((key, raw, normalized(value)))  // numbers as Python holds them
            valueStart = -1
        }
        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 && keyStart >= 0 && valueStart < 0 {
                        if case .string(let k) = try JSONParser.parse(Array(bytes[keyStart...i])) { key = k }
                    }
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && valueStart < 0 { keyStart = i }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 1 { try finish(i) }
                depth -= 1
            case UInt8(ascii: ":") where depth == 1 && valueStart < 0:
                valueStart = i + 1
            case UInt8(ascii: ",") where depth == 1:
                try finish(i)
                keyStart = -1
            default:
                break
            }
        }
        return entries.map { e in (e.key, e.raw.map { trimmed($0) }, e.value) }
    }

    private static func trimmed(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let ws: [UInt8] = [0x20, 0x09, 0x0a, 0x0d]
        var s = s
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return s
    }

    /// The bytes Flask-Session writes for `data` over `stored` (nil: a new session, in `format`):
    /// stored members first in their order (unchanged ones as their exact bytes), then new ones.
    static func encode(_ data: JSONObject, over stored: FlaskStoredSession?, format: FlaskSessionFormat) throws(MsgPack.DecodeError) -> [UInt8] {
        let target: FlaskSessionFormat = stored.map { $0.format == .pickle ? format : $0.format } ?? format
        var order: [String] = []
        var raws: [String: ArraySlice<UInt8>] = [:]
        if let stored {
            for e in stored.entries where data[e.key] != nil {
                order.append(e.key)
                if stored.format == target, let raw = e.raw, data[e.key] == e.value { raws[e.key] = raw }
            }
        }
        let known = Set(order)
        for (k, _) in data where !known.contains(k) { order.append(k) }
        var out: [UInt8] = []
        if target == .json {
            out.append(UInt8(ascii: "{"))
            for (i, k) in order.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeJSON(.string(k), into: &out)
                out.append(UInt8(ascii: ":"))
                if let raw = raws[k] { out.append(contentsOf: raw) } else { try writeJSON(data[k]!, into: &out) }
            }
            out.append(UInt8(ascii: "}"))
            return out
        }
        MsgPack.header(UInt64(order.count), fix: 0x80, fixMax: 15, codes: [nil, 0xde, 0xdf], into: &out)
        for k in order {
            try MsgPack.encode(.string(k), into: &out)
            if let raw = raws[k] { out.append(contentsOf: raw) } else { try MsgPack.encode(data[k]!, into: &out) }
        }
        return out
    }

    /// A value as Flask reads it back once written: numbers as Python holds them (`-0` is the int
    /// 0, `1.50` the float 1.5); a number out of range stays as it is (a write refuses it).
    static func normalized(_ value: JSONValue) -> JSONValue {
        switch value {
        case .number(let text):
            if text != "-0" && !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                if let u = UInt64(text) { return .number(String(u)) }
                if let i = Int64(text) { return .number(String(i)) }
                return value
            }
            guard let d = Double(text), d.isFinite else { return value }
            return .number(MsgPack.floatText(d))
        case .array(let items): return .array(items.map(normalized))
        case .object(let o): return .object(normalized(o))
        default: return value
        }
    }

    static func normalized(_ o: JSONObject) -> JSONObject { JSONObject(o.members.map { ($0.key, normalized($0.value)) }) }

    /// JSON as `msgspec.json` writes it: no spaces, non-ASCII as it is, ints within 64 bits.
    static func writeJSON(_ value: JSONValue, into out: inout [UInt8]) throws(MsgPack.DecodeError) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let text):
            var scratch: [UInt8] = []
            try MsgPack.number(text, into: &scratch)  // refuses what Python's msgspec cannot write
            guard case .number(let python) = normalized(value) else { return }
            out.append(contentsOf: (python == "-0" ? "-0.0" : python).utf8)
        case .string(let s):
            out.append(UInt8(ascii: "\""))
            for b in s.utf8 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                case 0x0a: out.append(contentsOf: "\\n".utf8)
                case 0x0d: out.append(contentsOf: "\\r".utf8)
                case 0x09: out.append(contentsOf: "\\t".utf8)
                case 0x08: out.append(contentsOf: "\\b".utf8)
                case 0x0c: out.append(contentsOf: "\\f".utf8)
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xf)])
                default: out.append(b)
                }
            }
            out.append(UInt8(ascii: "\""))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeJSON(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, member) in o.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeJSON(.string(member.key), into: &out)
                out.append(UInt8(ascii: ":"))
                try writeJSON(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
