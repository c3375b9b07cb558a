/// MessagePack as Flask-Session 0.8 keeps its sessions (`msgspec.msgpack`): a value read from
/// untrusted bytes into JSON, and JSON written back as msgspec writes it (the shortest int, str
/// and bin forms, every float as float64). Bytes show as `{"$base64": "..."}`; an extension type
/// as `{"$msgpack-ext": type, "$base64": "..."}`; both go back as they came.
enum MsgPack {
    static let extMarker = "$msgpack-ext"
    /// The marker of bytes, as agent state values use it.
    static let base64Marker = "$base64"
    /// Below `JSONParser`'s limit, so what is read here can be written and read again as JSON.
    static let maxDepth = 400

    struct DecodeError: Error, CustomStringConvertible {
        let description: String
    }

    /// The one value `bytes` hold (nothing may follow it).
    static func decode(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.value(depth: 0)
        guard reader.at == bytes.endIndex else { throw DecodeError(description: "msgpack: \(bytes.endIndex - reader.at) bytes after the value") }
        return value
    }

    /// The members of the map `bytes` hold in their stored order, each with its exact bytes; nil
    /// when the value is not a map.
    static func mapEntries(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)]? {
        var reader = Reader(bytes: bytes)
        guard let count = try reader.mapHeader() else {
            _ = try reader.value(depth: 0)
            guard reader.at == bytes.endIndex else { throw DecodeError(description: "msgpack: \(bytes.endIndex - reader.at) bytes after the value") }
            return nil
        }
        var entries: [(key: String, raw: ArraySlice<UInt8>, value: JSONValue)] = []
        for _ in 0..<count {
            guard case .string(let key) = try reader.value(depth: 1) else { throw DecodeError(description: "msgpack: a map key that is not a string") }
            let start = reader.at
            let value = try reader.value(depth: 1)
            entries.append((key, bytes[start..<reader.at], value))
        }
        guard reader.at == bytes.endIndex else { throw DecodeError(description: "msgpack: \(bytes.endIndex - reader.at) bytes after the value") }
        return entries
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var at: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.at = bytes.startIndex
        }

        mutating func take(_ n: Int) throws(DecodeError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.endIndex - at >= n else { throw DecodeError(description: "msgpack: truncated at byte \(at - bytes.startIndex)") }
            defer { at += n }
            return bytes[at..<at + n]
        }

        mutating func uint(_ n: Int) throws(DecodeError) -> UInt64 {
            try take(n).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func length(_ n: Int) throws(DecodeError) -> Int {
            let v = try uint(n)
            guard v <= UInt64(bytes.endIndex - at) else { throw DecodeError(description: "msgpack: truncated at byte \(at - bytes.startIndex)") }
            return Int(v)
        }

        /// The member count when a map starts here (consumed), else nil (nothing consumed).
        mutating func mapHeader() throws(DecodeError) -> Int? {
            guard at < bytes.endIndex else { throw DecodeError(description: "msgpack: empty value") }
            let b = bytes[at]
            switch b {
            case 0x80...0x8f: at += 1; return Int(b & 0x0f)
            case 0xde: at += 1; return try length(2)
            case 0xdf: at += 1; return try length(4)
            default: return nil
            }
        }

        mutating func value(depth: Int) throws(DecodeError) -> JSONValue {
            guard depth <= MsgPack.maxDepth else { throw DecodeError(description: "msgpack: nested deeper than \(MsgPack.maxDepth)") }
            let b = try take(1).first!
            switch b {
            case 0x00...0x7f: return .number(String(b))
            case 0xe0...0xff: return .number(String(Int8(bitPattern: b)))
            case 0x80...0x8f: return try map(Int(b & 0x0f), depth: depth)
            case 0x90...0x9f: return try array(Int(b & 0x0f), depth: depth)
            case 0xa0...0xbf: return try string(Int(b & 0x1f))
            case 0xc0: return .null
            case 0xc2: return .bool(false)
            case 0xc3: return .bool(true)
            case 0xc4: return MsgPack.bytesValue(try take(try length(1)))
            case 0xc5: return MsgPack.bytesValue(try take(try length(2)))
            case 0xc6: return MsgPack.bytesValue(try take(try length(4)))
            case 0xc7: return try ext(try length(1))
            case 0xc8: return try ext(try length(2))
            case 0xc9: return try ext(try length(4))
            case 0xca: return try float(Double(Float(bitPattern: UInt32(try uint(4)))))
            case 0xcb: return try float(Double(bitPattern: try uint(8)))
            case 0xcc: return .number(String(try uint(1)))
            case 0xcd: return .number(String(try uint(2)))
            case 0xce: return .number(String(try uint(4)))
            case 0xcf: return .number(String(try uint(8)))
            case 0xd0: return .number(String(Int8(truncatingIfNeeded: try uint(1))))
            case 0xd1: return .number(String(Int16(truncatingIfNeeded: try uint(2))))
            case 0xd2: return .number(String(Int32(truncatingIfNeeded: try uint(4))))
            case 0xd3: return .number(String(Int64(bitPattern: try uint(8))))
            case 0xd4: return try ext(1)
            case 0xd5: return try ext(2)
            case 0xd6: return try ext(4)
            case 0xd7: return try ext(8)
            case 0xd8: return try ext(16)
            case 0xd9: return try string(try length(1))
            case 0xda: return try string(try length(2))
            case 0xdb: return try string(try length(4))
            case 0xdc: return try array(try length(2), depth: depth)
            case 0xdd: return try array(try length(4), depth: depth)
            case 0xde: return try map(try length(2), depth: depth)
            case 0xdf: return try map(try length(4), depth: depth)
            default: throw DecodeError(description: "msgpack: unknown type byte 0xc1 at byte \(at - 1 - bytes.startIndex)")
            }
        }

        mutating func string(_ n: Int) throws(DecodeError) -> JSONValue {
            let start = at
            guard let s = String(validating: try take(n), as: UTF8.self) else {
                throw DecodeError(description: "msgpack: a string that is not UTF-8 at byte \(start - bytes.startIndex)")
            }
            return .string(s)
        }

        mutating func float(_ d: Double) throws(DecodeError) -> JSONValue {
            guard d.isFinite else { throw DecodeError(description: "msgpack: a float \(d), which JSON cannot show") }
            return .number(MsgPack.floatText(d))
        }

        mutating func array(_ n: Int, depth: Int) throws(DecodeError) -> JSONValue {
            var items: [JSONValue] = []
            for _ in 0..<n { items.append(try value(depth: depth + 1)) }
            return .array(items)
        }

        mutating func map(_ n: Int, depth: Int) throws(DecodeError) -> JSONValue {
            var object = JSONObject()
            for _ in 0..<n {
                guard case .string(let key) = try value(depth: depth + 1) else { throw DecodeError(description: "msgpack: a map key that is not a string") }
                object[key] = try value(depth: depth + 1)
            }
            return .object(object)
        }

        mutating func ext(_ n: Int) throws(DecodeError) -> JSONValue {
            let type = Int8(bitPattern: try take(1).first!)
            var o = JSONObject()
            o[MsgPack.extMarker] = .number(String(type))
            o[MsgPack.base64Marker] = .string(Base64.std(Array(try take(n))))
            return .object(o)
        }
    }

    static func bytesValue(_ b: ArraySlice<UInt8>) -> JSONValue {
        var o = JSONObject()
        o[MsgPack.base64Marker] = .string(Base64.std(Array(b)))
        return .object(o)
    }

    /// A float as JSON text that reads back as the same float and stays a float (`1.0`; `-0`,
    /// which is no int in Python, for -0.0).
    static func floatText(_ d: Double) -> String {
        if d == 0 && d.sign == .minus { return "-0" }  // Python's -0.0; JSON's -0 reads back as this float
        let text = "\(d)"
        return text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) ? text : text + ".0"
    }

    // MARK: Writing

    /// Why msgspec could not write `value`, or its bytes.
    static func encode(_ value: JSONValue, into out: inout [UInt8]) throws(DecodeError) {
        switch value {
        case .null: out.append(0xc0)
        case .bool(let b): out.append(b ? 0xc3 : 0xc2)
        case .number(let text): try number(text, into: &out)
        case .string(let s): header(UInt64(s.utf8.count), fix: 0xa0, fixMax: 31, codes: [0xd9, 0xda, 0xdb], into: &out); out.append(contentsOf: s.utf8)
        case .array(let items):
            header(UInt64(items.count), fix: 0x90, fixMax: 15, codes: [nil, 0xdc, 0xdd], into: &out)
            for item in items { try encode(item, into: &out) }
        case .object(let o):
            if let (bytes, type) = try special(o) {
                guard let type else {
                    header(UInt64(bytes.count), fix: nil, fixMax: -1, codes: [0xc4, 0xc5, 0xc6], into: &out)
                    out.append(contentsOf: bytes)
                    return
                }
                switch bytes.count {
                case 1: out.append(0xd4)
                case 2: out.append(0xd5)
                case 4: out.append(0xd6)
                case 8: out.append(0xd7)
                case 16: out.append(0xd8)
                default: header(UInt64(bytes.count), fix: nil, fixMax: -1, codes: [0xc7, 0xc8, 0xc9], into: &out)
                }
                out.append(UInt8(bitPattern: type))
                out.append(contentsOf: bytes)
                return
            }
            header(UInt64(o.count), fix: 0x80, fixMax: 15, codes: [nil, 0xde, 0xdf], into: &out)
            for (k, v) in o {
                try encode(.string(k), into: &out)
                try encode(v, into: &out)
            }
        }
    }

    /// The bytes a `{"$base64"}` or `{"$msgpack-ext", "$base64"}` object stands for; nil for another object.
    static func special(_ o: JSONObject) throws(DecodeError) -> (bytes: [UInt8], ext: Int8?)? {
        guard case .string(let text)? = o[MsgPack.base64Marker] else { return nil }
        var ext: Int8?
        if o.count == 2, case .number(let t)? = o[extMarker] {
            guard let type = Int8(t) else { throw DecodeError(description: "\(extMarker) must be a type from -128 to 127") }
            ext = type
        } else if o.count != 1 {
            return nil
        }
        guard let bytes = Base64.decodeStd(text) else { throw DecodeError(description: "a {\"$base64\": ...} value must hold standard base64 text") }
        return (bytes, ext)
    }

    static func header(_ n: UInt64, fix: UInt8?, fixMax: Int, codes: [UInt8?], into out: inout [UInt8]) {
        if let fix, n <= UInt64(fixMax) { out.append(fix | UInt8(n)); return }
        if n <= 0xff, let c = codes[0] {
            out.append(c); out.append(UInt8(n))
        } else if n <= 0xffff, let c = codes[1] {
            out.append(c); append(n, bytes: 2, into: &out)
        } else {
            out.append(codes[2]!); append(n, bytes: 4, into: &out)
        }
    }

    static func append(_ v: UInt64, bytes n: Int, into out: inout [UInt8]) {
        for i in stride(from: n - 1, through: 0, by: -1) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(i * 8))) }
    }

    /// A JSON number as Python reads it from JSON (an int without `.`/exponent, else a float),
    /// written as msgspec writes that int or float.
    static func number(_ text: String, into out: inout [UInt8]) throws(DecodeError) {
        if text != "-0" && !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            if let u = UInt64(text) {
                switch u {
                case 0...0x7f: out.append(UInt8(u))
                case 0...0xff: out.append(0xcc); append(u, bytes: 1, into: &out)
                case 0...0xffff: out.append(0xcd); append(u, bytes: 2, into: &out)
                case 0...0xffff_ffff: out.append(0xce); append(u, bytes: 4, into: &out)
                default: out.append(0xcf); append(u, bytes: 8, into: &out)
                }
                return
            }
            if let i = Int64(text) {
                let bits = UInt64(bitPattern: i)
                switch i {
                case -32...(-1): out.append(UInt8(truncatingIfNeeded: i))
                case -128...(-1): out.append(0xd0); append(bits, bytes: 1, into: &out)
                case -32768...(-1): out.append(0xd1); append(bits, bytes: 2, into: &out)
                case -2_147_483_648...(-1): out.append(0xd2); append(bits, bytes: 4, into: &out)
                default: out.append(0xd3); append(bits, bytes: 8, into: &out)
                }
                return
            }
            if Double(text) != nil { throw DecodeError(description: "the integer \(text) is out of msgpack's range") }
        }
        guard let d = Double(text), d.isFinite else { throw DecodeError(description: "\(text) is not a number msgpack can hold") }
        out.append(0xcb)
        append(d.bitPattern, bytes: 8, into: &out)
    }
}
