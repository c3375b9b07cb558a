/// The types gob registers itself for interface values (Go's `registerBasics`): the basic
/// types and slices of them. An app needs no `gob.Register` for these; every other name in an
/// interface (custom structs, `time.Time`, `[]interface {}`) must be registered by the app.
public enum GobBasicType: Sendable, Equatable {
    case bool
    case int(bits: Int)
    case uint(bits: Int)
    case float(bits: Int)
    case complex(bits: Int)
    case string
    /// `[]uint8` (Go's `[]byte`).
    case bytes

    /// The basic type registered under `name`.
    public init?(name: String) {
        switch name {
        case "bool": self = .bool
        case "int", "int64": self = .int(bits: 64)
        case "int8": self = .int(bits: 8)
        case "int16": self = .int(bits: 16)
        case "int32": self = .int(bits: 32)
        case "uint", "uint64", "uintptr": self = .uint(bits: 64)
        case "uint8": self = .uint(bits: 8)
        case "uint16": self = .uint(bits: 16)
        case "uint32": self = .uint(bits: 32)
        case "float32": self = .float(bits: 32)
        case "float64": self = .float(bits: 64)
        case "complex64": self = .complex(bits: 64)
        case "complex128": self = .complex(bits: 128)
        case "string": self = .string
        case "[]uint8": self = .bytes
        default: return nil
        }
    }

    /// The predefined wire type a value of this type travels as.
    public var wireType: GobTypeID {
        switch self {
        case .bool: return GobBuiltin.bool
        case .int: return GobBuiltin.int
        case .uint: return GobBuiltin.uint
        case .float: return GobBuiltin.float
        case .complex: return GobBuiltin.complex
        case .string: return GobBuiltin.string
        case .bytes: return GobBuiltin.bytes
        }
    }

    /// For `[]T` with T a basic type other than uint8 (all registered by gob), T's name.
    static func sliceElementName(_ name: String) -> String? {
        guard name.hasPrefix("[]"), name != "[]uint8" else { return nil }
        let elem = String(name.dropFirst(2))
        return GobBasicType(name: elem) != nil && elem != "[]uint8" ? elem : nil
    }

    /// Whether gob itself registers `name`.
    static func isRegisteredByGob(_ name: String) -> Bool {
        GobBasicType(name: name) != nil || sliceElementName(name) != nil
    }

    /// Whether a value of wire type `id` (in `types`) can be the concrete value of an interface
    /// registered under this basic name.
    func matches(_ id: GobTypeID) -> Bool { id == wireType }
}
