/// The Go types of a session's values, for stores whose app keeps them with types JSON does
/// not show (SCS and gorilla sessions). `Session.data` is always the JSON view, and what
/// commands change; a write turns `data` back into typed values with `resolvedGobValues`:
/// values whose JSON did not change stay exactly as read, changed ones keep their Go type
/// (or are refused when they do not fit it), new keys take a type that fits their JSON.
public enum GoTypes: Sendable {
    /// gob: every value with its Go type, as read.
    case gob(GobSessionValues)
    /// Go's `encoding/json` into `interface{}` (redistore's JSON serializer): the app reads
    /// numbers as `float64`, arrays as `[]interface {}`, objects as `map[string]interface {}`.
    case json
}

extension Session {
    /// The typed values a write should store: `data` laid over the values as read.
    public func resolvedGobValues(store: String) throws(SessionError) -> GobSessionValues? {
        guard case .gob(let values)? = goTypes else { return nil }
        do {
            return try values.merged(with: data)
        } catch {
            throw SessionError.invalidArgument("\(store): session \(SessionError.quote(id)): \(error); nothing was written")
        }
    }

    /// Every value with its Go type, as `get -o typed` prints it.
    public func typedData(store: String) throws(SessionError) -> JSONObject {
        switch goTypes {
        case .gob?:
            let values = try resolvedGobValues(store: store)!
            do {
                return try values.typedData()
            } catch {
                throw SessionError.corrupt(location: "\(store): session \(SessionError.quote(id))", reason: error.description)
            }
        case .json?:
            return GoJSONTypes.typed(data)
        case nil:
            throw SessionError.unsupported(
                store: store,
                reason: "its sessions are JSON without Go types; -o typed and --type are for SCS and gorilla sessions (layout=scs, layout=redistore)")
        }
    }

    /// Sets `key` to `value`. In a Go-typed session an existing key keeps its Go type (a value
    /// that does not fit is refused) unless `typeName` names another, and a new key takes
    /// `typeName` or is a string. Returns true when a new key became a string by default
    /// although the value was not JSON text.
    @discardableResult
    public mutating func setValue(_ key: String, to value: JSONValue, typeName: String?, store: String) throws(SessionError) -> Bool {
        switch goTypes {
        case .gob(let values)?:
            do {
                let merged = try values.merged(with: data)
                let isNew = !merged.entries.contains { $0.name == key }
                let updated = try merged.setting(key, to: value, typeName: typeName)
                goTypes = .gob(updated)
                data = try updated.plainData()
                if isNew && typeName == nil, case .string = value { return false }
                return isNew && typeName == nil
            } catch {
                throw SessionError.invalidArgument("\(store): session \(SessionError.quote(id)): \(Self.describe(error)); nothing was written")
            }
        case .json?:
            // The app reads JSON numbers as float64: only JSON's own types can be asked for.
            switch (typeName, value) {
            case (nil, _), ("float64", .number), ("bool", .bool), ("string", .string):
                data[key] = value
            case ("string", .number(let n)):
                data[key] = .string(n)
            case ("string", .bool(let b)):
                data[key] = .string(b ? "true" : "false")
            case (let t?, _):
                throw SessionError.invalidArgument(
                    "\(store): session \(SessionError.quote(id)) is stored as JSON, which holds no Go type \(t) for this value (only string, float64 and bool); nothing was written"
                )
            }
        case nil:
            if let typeName {
                throw SessionError.unsupported(
                    store: store,
                    reason: "its sessions are JSON without Go types; --type \(typeName) is for SCS and gorilla sessions (layout=scs, layout=redistore)")
            }
            data[key] = value
        }
        return false
    }

    /// Replaces every value with those of a typed view (as `typedData` shows it, edited).
    public mutating func replaceTyped(_ typed: JSONObject, store: String) throws(SessionError) {
        switch goTypes {
        case .gob(let values)?:
            do {
                let updated = try values.merged(with: data).replacing(withTyped: typed)
                goTypes = .gob(updated)
                data = try updated.plainData()
            } catch {
                throw SessionError.invalidArgument(Self.describe(error))
            }
        case .json?:
            do {
                data = try GoJSONTypes.plain(fromTyped: typed, keeping: data)
            } catch {
                throw SessionError.invalidArgument(Self.describe(error))
            }
        case nil:
            throw SessionError.unsupported(store: store, reason: "its sessions are JSON without Go types")
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? GobError)?.description ?? "\(error)"
    }
}

/// The typed view of JSON as Go's `encoding/json` reads it into `interface{}`.
enum GoJSONTypes {
    static func typed(_ object: JSONObject) -> JSONObject {
        JSONObject(object.map { ($0.key, typed($0.value)) })
    }

    static func typed(_ value: JSONValue) -> JSONValue {
        switch value {
        case .null: return GobJSONView.node(GobJSONView.nilTypeName, .null)
        case .bool: return GobJSONView.node("bool", value)
        case .number(let n):
            let d = Double(n) ?? 0
            return GobJSONView.node("float64", GoFloatFormat.json(d).map { .number($0) } ?? value)
        case .string: return GobJSONView.node("string", value)
        case .array(let items): return GobJSONView.node("[]interface {}", .array(items.map(typed)))
        case .object(let o): return GobJSONView.node("map[string]interface {}", .object(typed(o)))
        }
    }

    /// The JSON for a typed view; a value whose node did not change keeps its text in `old`
    /// (a number literal past float64's precision stays as written).
    static func plain(fromTyped object: JSONObject, keeping old: JSONObject) throws(GobError) -> JSONObject {
        var out = JSONObject()
        for member in object {
            if let before = old[member.key], typed(before) == member.value {
                out[member.key] = before
            } else {
                out[member.key] = try plain(member.value, path: member.key)
            }
        }
        return out
    }

    private static func plain(_ node: JSONValue, path: String) throws(GobError) -> JSONValue {
        let (type, value) = try GobValueBuilder.node(node, path: path)
        switch (type, value) {
        case (GobJSONView.nilTypeName, .null): return .null
        case ("bool", .bool), ("string", .string), ("float64", .number): return value
        case ("[]interface {}", .array(let items)):
            var out: [JSONValue] = []
            for (i, item) in items.enumerated() { out.append(try plain(item, path: path + "[\(i)]")) }
            return .array(out)
        case ("map[string]interface {}", .object(let o)):
            var out = JSONObject()
            for member in o { out[member.key] = try plain(member.value, path: path + "." + member.key) }
            return .object(out)
        default:
            throw GobError.value(
                "\(path): a JSON session holds only nil, bool, float64, string, []interface {} and map[string]interface {}, not a \(type) of \(GobValueBuilder.describe(value))")
        }
    }
}
