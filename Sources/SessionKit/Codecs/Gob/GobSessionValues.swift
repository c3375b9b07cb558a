/// The values of a session kept as a gob-encoded Go map (SCS's `Values`, gorilla's
/// `session.Values`), each with its Go type: what a session's JSON `data` stands for, and what
/// a write builds the new blob from so every value keeps its type.
public struct GobSessionValues: Sendable, Equatable {
    /// One key and value of the map. `name` is the key as a session key (the key as `%v`
    /// prints it; the string itself for string keys).
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var key: GobValue
        public var value: GobValue
    }

    public private(set) var types: GobTypeTable
    /// The map's type (key `string` or `interface {}`, element `interface {}`).
    public let mapType: GobTypeID
    /// In the order the blob had them.
    public private(set) var entries: [Entry]
    /// Names of interface values the app registered, with their concrete types, as far as the
    /// session shows them.
    public private(set) var knownNames: [String: GobTypeID]
    /// Names the framework registers itself (gorilla: `[]interface {}`).
    public let frameworkNames: Set<String>

    /// Values read from a map; nil entries for an absent map.
    public init(types: GobTypeTable, mapType: GobTypeID, entries: [GobMapEntry], frameworkNames: Set<String> = []) throws(GobError) {
        self.types = types
        self.mapType = mapType
        self.frameworkNames = frameworkNames
        guard case .map(let keyType, _)? = types.kind(mapType) else { throw GobError.value("type \(mapType) is not a map") }
        var view = GobJSONView(types: types)
        var list: [Entry] = []
        list.reserveCapacity(entries.count)
        for e in entries { list.append(Entry(name: try view.keyText(e.key, type: keyType), key: e.key, value: e.value)) }
        self.entries = list
        var names: [String: GobTypeID] = [:]
        for e in entries {
            Self.collectNames(e.key, into: &names)
            Self.collectNames(e.value, into: &names)
        }
        knownNames = names
    }

    private static func collectNames(_ value: GobValue, into names: inout [String: GobTypeID]) {
        switch value {
        case .interface(let iv?):
            if names[iv.name] == nil { names[iv.name] = iv.type }
            collectNames(iv.value, into: &names)
        case .list(let items): for i in items { collectNames(i, into: &names) }
        case .map(let entries):
            for e in entries {
                collectNames(e.key, into: &names)
                collectNames(e.value, into: &names)
            }
        case .structure(let fields): for f in fields { collectNames(f.value, into: &names) }
        default: break
        }
    }

    private var keyType: GobTypeID {
        if case .map(let k, _)? = types.kind(mapType) { return k }
        return GobBuiltin.string
    }

    private var elemType: GobTypeID {
        if case .map(_, let e)? = types.kind(mapType) { return e }
        return GobBuiltin.interface
    }

    /// The map's entries as gob values.
    public var mapEntries: [GobMapEntry] { entries.map { GobMapEntry(key: $0.key, value: $0.value) } }

    /// Whether two keys print alike, so `data` shows only one of them.
    public var hasAmbiguousNames: Bool { Set(entries.map(\.name)).count != entries.count }

    // MARK: Views

    /// The session's data as `get` shows it.
    public func plainData() throws(GobError) -> JSONObject {
        var view = GobJSONView(types: types)
        var out = JSONObject()
        for e in entries { out[e.name] = try view.plain(e.value, type: elemType) }
        return out
    }

    /// Each key's typed value as `get -o typed` shows it; a key that is not a Go string also
    /// shows its own typed value under `"key"`.
    public func typedData() throws(GobError) -> JSONObject {
        var view = GobJSONView(types: types)
        var out = JSONObject()
        for e in entries {
            var node = try view.typed(e.value, type: elemType)
            if !isPlainStringKey(e.key), case .object(var o) = node {
                o["key"] = try view.typed(e.key, type: keyType)
                node = .object(o)
            }
            out[e.name] = node
        }
        return out
    }

    private func isPlainStringKey(_ key: GobValue) -> Bool {
        switch key {
        case .string: return true
        case .interface(let iv?): return iv.name == "string" && iv.type == GobBuiltin.string
        default: return false
        }
    }

    private func builder(_ mode: GobValueBuilder.Mode) -> GobValueBuilder {
        GobValueBuilder(types: types, mode: mode, knownNames: knownNames, frameworkNames: frameworkNames)
    }

    private func newKey(_ name: String) -> GobValue {
        if types.kind(keyType) == .string { return .string(Array(name.utf8)) }
        return .interface(GobInterfaceValue(name: "string", type: GobBuiltin.string, value: .string(Array(name.utf8))))
    }

    private mutating func adopt(_ b: GobValueBuilder) {
        types = b.types
        knownNames = b.knownNames
    }

    // MARK: Changes

    /// The values after `data` (as `get` shows it, changed or not) replaced the old view: keys
    /// that are gone are removed, changed values keep their types, new keys take a type that
    /// fits their JSON. Unchanged values stay exactly as read.
    public func merged(with data: JSONObject) throws(GobError) -> GobSessionValues {
        var b = builder(.plain)
        var out = self
        out.entries = []
        let shown = try plainData()
        var counts: [String: Int] = [:]
        for e in entries { counts[e.name, default: 0] += 1 }
        var names = Set<String>()
        for e in entries {
            guard let json = data[e.name] else { continue }
            if counts[e.name, default: 0] > 1 {
                guard json == shown[e.name] else {
                    throw GobError.value("\(e.name): keys of this session print alike as '\(e.name)'; sessctl cannot tell them apart")
                }
                out.entries.append(e)
                names.insert(e.name)
                continue
            }
            out.entries.append(Entry(name: e.name, key: e.key, value: try b.build(json, type: elemType, like: e.value, path: e.name)))
            names.insert(e.name)
        }
        for member in data where !names.contains(member.key) {
            out.entries.append(
                Entry(
                    name: member.key, key: newKey(member.key),
                    value: try b.build(member.value, type: elemType, like: nil, path: member.key)))
        }
        out.adopt(b)
        return out
    }

    /// Sets one key: an existing value keeps its type unless `typeName` names another; a new
    /// one takes `typeName`, or is a Go string (the JSON's text when it is not a string).
    public func setting(_ name: String, to json: JSONValue, typeName: String?) throws(GobError) -> GobSessionValues {
        var b = builder(.plain)
        var out = self
        let index = entries.firstIndex { $0.name == name }
        if index != nil, entries.filter({ $0.name == name }).count > 1 {
            throw GobError.value("\(name): keys of this session print alike as '\(name)'; sessctl cannot tell them apart")
        }
        let value: GobValue
        switch (index, typeName) {
        case (let i?, nil):
            value = try b.build(json, type: elemType, like: entries[i].value, path: name)
        case (let i, let t?):
            let type = try b.resolve(t, path: name)
            var old: GobValue?
            if let i, case .interface(let iv?) = entries[i].value, iv.name == t { old = iv.value }
            value = .interface(GobInterfaceValue(name: t, type: type, value: try b.build(json, type: type, name: t, like: old, path: name)))
        case (nil, nil):
            let text: String
            switch json {
            case .string(let s): text = s
            case .array, .object: text = String(decoding: GoJSONEncoder.encode(json), as: UTF8.self)
            case .number(let n): text = n
            case .bool(let v): text = v ? "true" : "false"
            case .null: text = ""
            }
            value = .interface(GobInterfaceValue(name: "string", type: GobBuiltin.string, value: .string(Array(text.utf8))))
        }
        if let index {
            out.entries[index].value = value
        } else {
            out.entries.append(Entry(name: name, key: newKey(name), value: value))
        }
        out.adopt(b)
        return out
    }

    /// The values after a whole typed view (as `typedData()` shows it) was edited.
    public func replacing(withTyped data: JSONObject) throws(GobError) -> GobSessionValues {
        var b = builder(.typed)
        var out = self
        out.entries = []
        var names = Set<String>()
        for e in entries {
            guard let node = data[e.name] else { continue }
            names.insert(e.name)
            out.entries.append(try typedEntry(e.name, node, old: e, builder: &b))
        }
        for member in data where !names.contains(member.key) {
            out.entries.append(try typedEntry(member.key, member.value, old: nil, builder: &b))
        }
        out.adopt(b)
        return out
    }

    private func typedEntry(_ name: String, _ node: JSONValue, old: Entry?, builder b: inout GobValueBuilder) throws(GobError) -> Entry {
        _ = try GobValueBuilder.node(node, path: name, allowKey: true)
        guard case .object(var o) = node else { throw GobError.value("\(name): expected {\"type\": ..., \"value\": ...}") }
        var key = old?.key ?? newKey(name)
        if let keyNode = o.removeValue(forKey: "key") {
            guard types.kind(keyType) == .interface else { throw GobError.value("\(name): the keys of this session are strings and take no \"key\"") }
            key = try b.build(keyNode, type: keyType, like: old?.key, path: name + " (key)")
        }
        let value = try b.build(.object(o), type: elemType, like: old?.value, path: name)
        var view = GobJSONView(types: b.types)
        return Entry(name: try view.keyText(key, type: keyType), key: key, value: value)
    }
}
