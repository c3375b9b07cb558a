/// Turns JSON back into gob values that keep their Go types: what `set`, `del --key` and
/// `edit` need to write a session the app still reads.
///
/// A value is built at a position whose wire type is known (a struct field, an element, a map
/// value) and, where there was one, like the value that stood there before:
/// - JSON equal to how the old value shows is the old value, exactly (bits, bytes, fields);
/// - an interface keeps its registered name and concrete type (`int64` stays `int64`);
/// - a number must fit its type (`300` is refused for a `uint8`, `1.5` for an `int`);
/// - a new interface value takes a type from the JSON (string, bool, `int`, `float64`) or,
///   in `typed` mode, the one named, which must be a type gob registers itself or one the
///   session already holds (the app registered it); the definitions it needs are added.
///
/// `plain` mode reads JSON as `get` prints it; `typed` mode reads `{"type", "value"}` nodes as
/// `get -o typed` prints them.
public struct GobValueBuilder {
    public enum Mode: Sendable { case plain, typed }

    public private(set) var types: GobTypeTable
    let mode: Mode
    /// Interface names this app is known to have registered, with their concrete types.
    var knownNames: [String: GobTypeID]
    /// Names the framework registers itself, usable even when no session holds one yet.
    let frameworkNames: Set<String>

    public init(types: GobTypeTable, mode: Mode, knownNames: [String: GobTypeID], frameworkNames: Set<String> = []) {
        self.types = types
        self.mode = mode
        self.knownNames = knownNames
        self.frameworkNames = frameworkNames
    }

    private func fail(_ path: String, _ reason: String) -> GobError {
        GobError.value(path.isEmpty ? reason : "\(path): \(reason)")
    }

    // MARK: Views of old values

    private func view(_ value: GobValue, _ type: GobTypeID, name: String?) throws(GobError) -> JSONValue {
        var v = GobJSONView(types: types)
        return mode == .plain ? try v.plain(value, type, name: name) : try v.typed(value, type, name: name)
    }

    // MARK: Building

    /// The value for `json` at a position of wire type `type` (`name`: the registered name,
    /// inside an interface), like `existing` where there was a value.
    public mutating func build(_ json: JSONValue, type: GobTypeID, name: String? = nil, like existing: GobValue?, path: String) throws(GobError) -> GobValue {
        if let existing, try view(existing, type, name: name) == json { return existing }
        guard let kind = types.kind(type) else { throw fail(path, "type \(type) is not defined") }
        if case .interface = kind { return try interface(json, like: existing, path: path) }
        var payload = json
        if mode == .typed {
            let (t, v) = try Self.node(json, path: path)
            let spelled = name ?? types.spelling(type)
            guard t == spelled else { throw fail(path, "this value is a \(spelled) and cannot become a \(t) here") }
            payload = v
        }
        return try content(payload, kind: kind, type: type, name: name, like: existing, path: path)
    }

    /// `{"type": T, "value": V}`.
    static func node(_ json: JSONValue, path: String, allowKey: Bool = false) throws(GobError) -> (String, JSONValue) {
        guard case .object(let o) = json, case .string(let t)? = o["type"], let v = o["value"],
            o.count == 2 || (allowKey && o.count == 3 && o["key"] != nil)
        else {
            throw GobError.value(
                (path.isEmpty ? "" : "\(path): ") + "expected {\"type\": ..., \"value\": ...}, found \(json.kindName == "object" ? "another object" : "a " + json.kindName)")
        }
        return (t, v)
    }

    private mutating func interface(_ json: JSONValue, like existing: GobValue?, path: String) throws(GobError) -> GobValue {
        var old: GobInterfaceValue?
        if case .interface(let iv?)? = existing { old = iv }
        switch mode {
        case .plain:
            if json == .null { return .interface(nil) }
            if let old {
                let inner = try build(json, type: old.type, name: old.name, like: old.value, path: path)
                return .interface(GobInterfaceValue(name: old.name, type: old.type, value: inner))
            }
            let (name, type) = try infer(json, path: path)
            let inner = try build(json, type: type, name: name, like: nil, path: path)
            return .interface(GobInterfaceValue(name: name, type: type, value: inner))
        case .typed:
            let (name, v) = try Self.node(json, path: path)
            if name == GobJSONView.nilTypeName {
                guard v == .null else { throw fail(path, "a nil value has the value null") }
                return .interface(nil)
            }
            let same = old?.name == name ? old : nil
            let type: GobTypeID
            if let same { type = same.type } else { type = try resolve(name, path: path) }
            let inner = try build(json, type: type, name: name, like: same?.value, path: path)
            return .interface(GobInterfaceValue(name: name, type: type, value: inner))
        }
    }

    /// A value of a new interface: a registered type that can hold the JSON.
    private mutating func infer(_ json: JSONValue, path: String) throws(GobError) -> (String, GobTypeID) {
        switch json {
        case .null: throw fail(path, "null needs no type")
        case .bool: return ("bool", GobBuiltin.bool)
        case .string: return ("string", GobBuiltin.string)
        case .number(let n):
            // A whole number written plainly is an int (a uint64 past int64); anything else
            // (1.5, 1e+21, -0) a float64, which shows the same text.
            if let i = Int64(n), String(i) == n { return ("int", GobBuiltin.int) }
            if let u = UInt64(n), String(u) == n { return ("uint64", GobBuiltin.uint) }
            return ("float64", GobBuiltin.float)
        case .array(let items):
            if canUse("[]interface {}") { return ("[]interface {}", try resolve("[]interface {}", path: path)) }
            let kinds = Set(
                items.map { item -> String in
                    switch item {
                    case .string: return "string"
                    case .bool: return "bool"
                    case .number(let n): return Int64(n) != nil ? "int" : "float64"
                    default: return "?"
                    }
                })
            var elem = kinds.count == 1 ? kinds.first! : (kinds == ["int", "float64"] ? "float64" : "?")
            if items.isEmpty { elem = "string" }
            guard elem != "?" else {
                throw fail(path, "a new array needs a Go type: give its elements one type, or use a type the session already holds")
            }
            return ("[]" + elem, try resolve("[]" + elem, path: path))
        case .object:
            guard canUse("map[string]interface {}") else {
                throw fail(path, "a new object needs a Go type the app registered (map[string]interface {} is not registered by gob itself, and this session holds none)")
            }
            return ("map[string]interface {}", try resolve("map[string]interface {}", path: path))
        }
    }

    private func canUse(_ name: String) -> Bool {
        knownNames[name] != nil || frameworkNames.contains(name)
    }

    /// The concrete type of a registered name: one the session holds, a basic type, a slice of
    /// one, or one the framework registers.
    public mutating func resolve(_ name: String, path: String) throws(GobError) -> GobTypeID {
        if let id = knownNames[name] { return id }
        if let basic = GobBasicType(name: name) { return basic.wireType }
        var id: GobTypeID?
        if let elem = GobBasicType.sliceElementName(name), let basic = GobBasicType(name: elem) {
            id = types.intern(.slice(name: "", elem: basic.wireType))
        } else if frameworkNames.contains(name) {
            switch name {
            case "[]interface {}": id = types.intern(.slice(name: "", elem: GobBuiltin.interface))
            case "map[string]interface {}": id = types.intern(.map(name: "", key: GobBuiltin.string, elem: GobBuiltin.interface))
            case "time.Time": id = types.intern(.gobEncoder(name: "Time"))
            default: break
            }
        }
        guard let id else {
            throw fail(
                path,
                "unknown type '\(name)': a value can take a basic Go type (string, int, int64, uint8, float64, bool, []uint8, []string, ...) or a type this session already holds (the app must gob.Register it)"
            )
        }
        knownNames[name] = id
        return id
    }

    // MARK: Contents

    private mutating func content(
        _ json: JSONValue, kind: GobKind, type: GobTypeID, name: String?,
        like existing: GobValue?, path: String
    ) throws(GobError) -> GobValue {
        switch kind {
        case .bool:
            switch json {
            case .bool(let b): return .bool(b)
            case .string("true"): return .bool(true)
            case .string("false"): return .bool(false)
            default: throw fail(path, "a bool is true or false, not \(Self.describe(json))")
            }
        case .int:
            let bits = name.flatMap(GobBasicType.init(name:)).flatMap { if case .int(let b) = $0 { return b } else { return nil } } ?? 64
            guard let text = Self.numberText(json), let v = Int64(text) else {
                throw fail(path, "\(name ?? "int") takes a whole number, not \(Self.describe(json))")
            }
            let limit = Int64(1) << (bits - 1) &- 1
            guard bits == 64 || (v >= ~limit && v <= limit) else {
                throw fail(path, "\(v) is out of range for \(name ?? "int") (\(~limit) to \(limit))")
            }
            return .int(v)
        case .uint:
            let bits = name.flatMap(GobBasicType.init(name:)).flatMap { if case .uint(let b) = $0 { return b } else { return nil } } ?? 64
            guard let text = Self.numberText(json), let v = UInt64(text) else {
                if let text = Self.numberText(json), Int64(text) != nil {
                    throw fail(path, "\(text) is out of range for \(name ?? "uint") (no negative numbers)")
                }
                throw fail(path, "\(name ?? "uint") takes a whole number, not \(Self.describe(json))")
            }
            guard bits == 64 || v <= (UInt64(1) << bits) - 1 else {
                throw fail(path, "\(v) is out of range for \(name ?? "uint") (0 to \((UInt64(1) << bits) - 1))")
            }
            return .uint(v)
        case .float:
            let d = try Self.float(json, bits: name == "float32" ? 32 : 64, name: name ?? "float64", path: path)
            return .float(d.bitPattern)
        case .complex:
            let bits = name == "complex64" ? 32 : 64
            guard let (re, im) = Self.complex(json) else { throw fail(path, "\(name ?? "complex128") takes a number or text like (1+2i), not \(Self.describe(json))") }
            let r = try Self.float(.number(String(re)), bits: bits, name: name ?? "complex128", path: path)
            let i = try Self.float(.number(String(im)), bits: bits, name: name ?? "complex128", path: path)
            return .complex(real: r.bitPattern, imaginary: i.bitPattern)
        case .string:
            switch json {
            case .string(let s): return .string(Array(s.utf8))
            case .number(let n): return .string(Array(n.utf8))
            case .bool(let b): return .string(Array((b ? "true" : "false").utf8))
            default: throw fail(path, "\(name ?? "string") takes text, not \(Self.describe(json))")
            }
        case .bytes:
            if json == .null { return .bytes([]) }
            guard case .string(let s) = json, let b = Base64.decodeStd(s) else { throw fail(path, "\(name ?? "[]uint8") takes base64 text, not \(Self.describe(json))") }
            return .bytes(b)
        case .opaque(let wire):
            guard case .string(let s) = json else { throw fail(path, "\(types.spelling(type)) takes text, not \(Self.describe(json))") }
            switch wire {
            case .gobEncoder("Time"):
                guard let t = GoTime(rfc3339: s) else { throw fail(path, "time.Time takes RFC 3339 text like 2026-11-21T06:17:28.123456789Z, not \(Self.describe(json))") }
                return .bytes(t.binary)
            case .textMarshaler:
                return .bytes(Array(s.utf8))
            default:
                guard let b = Base64.decodeStd(s) else { throw fail(path, "\(types.spelling(type)) takes base64 text (its own encoding)") }
                return .bytes(b)
            }
        case .interface:
            return try interface(json, like: existing, path: path)
        case .slice(let elem), .array(let elem, _):
            if json == .null, case .slice = kind { return .list([]) }
            guard case .array(let items) = json else { throw fail(path, "\(types.spelling(type)) takes an array, not \(Self.describe(json))") }
            if case .array(_, let length) = kind, items.count != length {
                throw fail(path, "\(types.spelling(type)) has exactly \(length) elements, not \(items.count)")
            }
            var old: [GobValue] = []
            if case .list(let o)? = existing { old = o }
            var out: [GobValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                out.append(try build(item, type: elem, like: i < old.count ? old[i] : nil, path: path + "[\(i)]"))
            }
            return .list(out)
        case .map(let keyType, let elemType):
            return try map(json, type: type, keyType: keyType, elemType: elemType, like: existing, path: path)
        case .structure(let fields):
            if json == .null { return .structure([]) }
            guard case .object(let o) = json else { throw fail(path, "\(types.spelling(type)) takes an object of its fields, not \(Self.describe(json))") }
            for member in o where !fields.contains(where: { $0.name == member.key }) {
                throw fail(path, "\(types.spelling(type)) has no field '\(member.key)' (fields: \(fields.map(\.name).joined(separator: ", ")))")
            }
            var old: [GobFieldValue] = []
            if case .structure(let o)? = existing { old = o }
            var out: [GobFieldValue] = []
            for (i, f) in fields.enumerated() {
                guard let member = o[f.name] else { continue }  // left out: the zero value
                let before = old.first { $0.index == i }?.value
                // A zero value (null for a nil pointer, slice or map) is not sent, as Go's encoder
                // does, unless the field was sent and still shows the same (its bytes stay).
                if try isZeroView(member, f.type), try before.map({ b throws(GobError) in try view(b, f.type, name: nil) != member }) ?? true { continue }
                out.append(GobFieldValue(index: i, value: try build(member, type: f.type, like: before, path: path.isEmpty ? f.name : path + "." + f.name)))
            }
            return .structure(out)
        }
    }

    /// Whether JSON is how a field that was not sent shows (so it stays not sent).
    private func isZeroView(_ json: JSONValue, _ type: GobTypeID) throws(GobError) -> Bool {
        let zero = GobValue.structure([])
        let holder = GobTypeTable.wrapper(types, field: type)
        var w = GobJSONView(types: holder.table)
        let shown = mode == .plain ? try w.plain(zero, type: holder.id) : try w.typed(zero, type: holder.id)
        guard case .object(let o) = shown else { return false }
        let fieldView = mode == .plain ? o["f"] : (o["value"]?.objectValue?["f"])
        return fieldView == json
    }

    private mutating func map(
        _ json: JSONValue, type: GobTypeID, keyType: GobTypeID, elemType: GobTypeID,
        like existing: GobValue?, path: String
    ) throws(GobError) -> GobValue {
        var old: [GobMapEntry] = []
        if case .map(let o)? = existing { old = o }
        if json == .null { return .map([]) }
        let stringKeys = types.kind(keyType) == .string
        var wanted: [(key: GobValue, json: JSONValue, keyPath: String)] = []
        if mode == .typed && !stringKeys {
            guard case .array(let items) = json else { throw fail(path, "\(types.spelling(type)) takes an array of {\"key\", \"value\"} entries") }
            for (i, item) in items.enumerated() {
                guard case .object(let e) = item, let k = e["key"], let v = e["value"], e.count == 2 else {
                    throw fail(path + "[\(i)]", "expected {\"key\": ..., \"value\": ...}")
                }
                var before: GobValue?
                for entry in old where try view(entry.key, keyType, name: nil) == k {
                    before = entry.key
                    break
                }
                wanted.append((try build(k, type: keyType, like: before, path: path + "[\(i)].key"), v, path + "[\(i)]"))
            }
        } else {
            guard case .object(let o) = json else { throw fail(path, "\(types.spelling(type)) takes an object, not \(Self.describe(json))") }
            // Old entries by how their key prints; keys that print alike cannot be told apart.
            var byText: [String: [GobMapEntry]] = [:]
            var keyView = GobJSONView(types: types)
            for e in old { byText[try keyView.keyText(e.key, type: keyType), default: []].append(e) }
            for member in o {
                let matches = byText[member.key] ?? []
                if matches.count > 1 {
                    throw fail(path, "keys of this map print alike as '\(member.key)'; sessctl cannot tell them apart")
                }
                let key: GobValue
                if let match = matches.first { key = match.key } else { key = try keyFromText(member.key, keyType: keyType, path: path) }
                wanted.append((key, member.value, path.isEmpty ? member.key : path + "." + member.key))
            }
        }
        // Old entries keep their order; new ones follow.
        var out: [GobMapEntry] = []
        var used = Set<Int>()
        for e in old {
            guard let i = wanted.indices.first(where: { !used.contains($0) && wanted[$0].key == e.key }) else { continue }
            used.insert(i)
            out.append(GobMapEntry(key: e.key, value: try build(wanted[i].json, type: elemType, like: e.value, path: wanted[i].keyPath)))
        }
        for (i, w) in wanted.enumerated() where !used.contains(i) {
            guard !out.contains(where: { $0.key == w.key }) else { throw fail(w.keyPath, "a key given twice") }
            out.append(GobMapEntry(key: w.key, value: try build(w.json, type: elemType, like: nil, path: w.keyPath)))
        }
        return .map(out)
    }

    /// A new map key from its text (how `%v` prints it): a string, or a number or bool for
    /// keys of those types; an interface key holds a string.
    mutating func keyFromText(_ text: String, keyType: GobTypeID, path: String) throws(GobError) -> GobValue {
        switch types.kind(keyType) {
        case .string?: return .string(Array(text.utf8))
        case .interface?: return .interface(GobInterfaceValue(name: "string", type: GobBuiltin.string, value: .string(Array(text.utf8))))
        case .int?, .uint?, .float?, .bool?:
            let json: JSONValue = text == "true" || text == "false" ? .bool(text == "true") : .number(text)
            return try content(json, kind: types.kind(keyType)!, type: keyType, name: nil, like: nil, path: path)
        default:
            throw fail(path, "new keys of a \(types.spelling(keyType))-keyed map cannot be written from text")
        }
    }
}

extension GobTypeTable {
    /// `types` plus a struct with one field `f` of type `field`: to see how a field that was not
    /// sent shows.
    static func wrapper(_ types: GobTypeTable, field: GobTypeID) -> (table: GobTypeTable, id: GobTypeID) {
        var t = types
        let id = max(GobBuiltin.firstUserID, t.definitions.keys.max() ?? 0) + 1
        t.define(id, .structure(name: "", fields: [GobFieldType(name: "f", type: field)]))
        return (t, id)
    }
}
