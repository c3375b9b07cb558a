/// A gob type id: 1-8 are Go's predefined types, user types are numbered from 65 by the process
/// that wrote the stream (so ids differ from blob to blob and are never hard-coded).
public typealias GobTypeID = Int

/// A type definition as sent on the wire (Go's `wireType`): exactly one kind, with the
/// informational name Go gives it (empty for unnamed types).
public enum GobWireType: Sendable, Equatable {
    case array(name: String, elem: GobTypeID, length: Int)
    case slice(name: String, elem: GobTypeID)
    case structure(name: String, fields: [GobFieldType])
    case map(name: String, key: GobTypeID, elem: GobTypeID)
    /// A type that implements `GobEncoder` (`time.Time` among them): its value is opaque bytes.
    case gobEncoder(name: String)
    case binaryMarshaler(name: String)
    case textMarshaler(name: String)

    public var name: String {
        switch self {
        case .array(let n, _, _), .slice(let n, _), .structure(let n, _), .map(let n, _, _),
            .gobEncoder(let n), .binaryMarshaler(let n), .textMarshaler(let n):
            return n
        }
    }

    /// The ids this type refers to directly: fields, element, key.
    var components: [GobTypeID] {
        switch self {
        case .array(_, let e, _), .slice(_, let e): return [e]
        case .structure(_, let fields): return fields.map(\.type)
        case .map(_, let k, let e): return [k, e]
        case .gobEncoder, .binaryMarshaler, .textMarshaler: return []
        }
    }
}

/// One field of a struct type: its name (how Go's decoder matches it) and type.
public struct GobFieldType: Sendable, Equatable {
    public var name: String
    public var type: GobTypeID

    public init(name: String, type: GobTypeID) {
        self.name = name
        self.type = type
    }
}

/// Go's predefined gob types.
public enum GobBuiltin {
    public static let bool: GobTypeID = 1
    public static let int: GobTypeID = 2
    public static let uint: GobTypeID = 3
    public static let float: GobTypeID = 4
    public static let bytes: GobTypeID = 5
    public static let string: GobTypeID = 6
    public static let complex: GobTypeID = 7
    public static let interface: GobTypeID = 8

    /// The lowest id a stream may define (Go's `firstUserId`).
    public static let firstUserID: GobTypeID = 64

    static func isBuiltin(_ id: GobTypeID) -> Bool { (1...8).contains(id) }

    /// Go's spelling of a predefined type.
    static func spelling(_ id: GobTypeID) -> String {
        switch id {
        case bool: return "bool"
        case int: return "int"
        case uint: return "uint"
        case float: return "float64"
        case bytes: return "[]uint8"
        case string: return "string"
        case complex: return "complex128"
        default: return "interface {}"
        }
    }
}

/// What a type id stands for once looked up: a predefined type or a definition.
enum GobKind: Equatable {
    case bool, int, uint, float, bytes, string, complex, interface
    case array(elem: GobTypeID, length: Int)
    case slice(elem: GobTypeID)
    case structure([GobFieldType])
    case map(key: GobTypeID, elem: GobTypeID)
    /// GobEncoder, BinaryMarshaler or TextMarshaler: bytes only the type's own code reads.
    case opaque(GobWireType)
}

/// The type definitions of one stream (or of values being written), by id.
public struct GobTypeTable: Sendable, Equatable {
    public private(set) var definitions: [GobTypeID: GobWireType] = [:]

    public init() {}

    public subscript(id: GobTypeID) -> GobWireType? { definitions[id] }

    public var count: Int { definitions.count }

    mutating func define(_ id: GobTypeID, _ type: GobWireType) {
        definitions[id] = type
    }

    /// The kind of `id`; nil for an id that is neither predefined nor defined.
    func kind(_ id: GobTypeID) -> GobKind? {
        switch id {
        case GobBuiltin.bool: return .bool
        case GobBuiltin.int: return .int
        case GobBuiltin.uint: return .uint
        case GobBuiltin.float: return .float
        case GobBuiltin.bytes: return .bytes
        case GobBuiltin.string: return .string
        case GobBuiltin.complex: return .complex
        case GobBuiltin.interface: return .interface
        default: break
        }
        switch definitions[id] {
        case .array(_, let elem, let length)?: return .array(elem: elem, length: length)
        case .slice(_, let elem)?: return .slice(elem: elem)
        case .structure(_, let fields)?: return .structure(fields)
        case .map(_, let key, let elem)?: return .map(key: key, elem: elem)
        case let t?: return .opaque(t)
        case nil: return nil
        }
    }

    /// An id whose definition has the same shape as `type` (names aside, as Go reuses one id
    /// per Go type), or a new id for it.
    mutating func intern(_ type: GobWireType) -> GobTypeID {
        if let existing = definitions.filter({ Self.sameShape($0.value, type) }).map(\.key).min() { return existing }
        let id = max(GobBuiltin.firstUserID, definitions.keys.max() ?? 0) + 1
        definitions[id] = type
        return id
    }

    private static func sameShape(_ a: GobWireType, _ b: GobWireType) -> Bool {
        switch (a, b) {
        case let (.array(_, e1, l1), .array(_, e2, l2)): return e1 == e2 && l1 == l2
        case let (.slice(_, e1), .slice(_, e2)): return e1 == e2
        case let (.map(_, k1, e1), .map(_, k2, e2)): return k1 == k2 && e1 == e2
        case let (.structure(n1, f1), .structure(n2, f2)): return n1 == n2 && f1 == f2
        case let (.gobEncoder(n1), .gobEncoder(n2)): return n1 == n2
        default: return false
        }
    }

    /// Go's spelling of a type, for people: `int`, `[]string`, `map[string]interface {}`, a
    /// struct's own name. `time.Time` for the GobEncoder Go names `Time`.
    func spelling(_ id: GobTypeID, depth: Int = 0) -> String {
        if GobBuiltin.isBuiltin(id) { return GobBuiltin.spelling(id) }
        guard let t = definitions[id], depth < 8 else { return "?" }
        switch t {
        case .array(_, let elem, let length): return "[\(length)]" + spelling(elem, depth: depth + 1)
        case .slice(_, let elem): return "[]" + spelling(elem, depth: depth + 1)
        case .map(_, let key, let elem): return "map[\(spelling(key, depth: depth + 1))]" + spelling(elem, depth: depth + 1)
        case .structure(let name, _): return name.isEmpty ? "struct {...}" : name
        case .gobEncoder(let name): return name == "Time" ? "time.Time" : name
        case .binaryMarshaler(let name), .textMarshaler(let name): return name
        }
    }

    /// Whether `id` is the `time.Time` GobEncoder (Go names it `Time`).
    func isTime(_ id: GobTypeID) -> Bool {
        if case .gobEncoder("Time")? = definitions[id] { return true }
        return false
    }
}
