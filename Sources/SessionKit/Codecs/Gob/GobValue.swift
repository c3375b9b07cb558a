/// A value read from (or to be written as) gob. It does not carry its type: the type comes from
/// where the value sits (the stream's top-level type, a struct field, an element), except for
/// interface values, which name their concrete type. Nothing is normalised: floats keep their
/// exact bits, strings their exact bytes, structs the fields the writer sent.
public indirect enum GobValue: Sendable, Equatable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// The IEEE-754 bits of the float64 on the wire (a float32 travels as the float64 of it).
    case float(UInt64)
    case complex(real: UInt64, imaginary: UInt64)
    /// A `[]byte`, or the payload of a GobEncoder, BinaryMarshaler or TextMarshaler type.
    case bytes([UInt8])
    /// A Go string: bytes, not necessarily UTF-8.
    case string([UInt8])
    /// The elements of a slice or an array.
    case list([GobValue])
    /// Map entries in the order they were read (Go writes them in random order).
    case map([GobMapEntry])
    /// The fields that were sent, by index in the wire type, ascending; a missing field holds
    /// its zero value.
    case structure([GobFieldValue])
    /// An interface value; nil for a nil interface.
    case interface(GobInterfaceValue?)

    /// The concrete value inside interfaces.
    var unwrapped: GobValue {
        if case .interface(let i?) = self { return i.value.unwrapped }
        return self
    }
}

public struct GobMapEntry: Sendable, Equatable {
    public var key: GobValue
    public var value: GobValue

    public init(key: GobValue, value: GobValue) {
        self.key = key
        self.value = value
    }
}

public struct GobFieldValue: Sendable, Equatable {
    /// The field's index in its struct's wire type.
    public var index: Int
    public var value: GobValue

    public init(index: Int, value: GobValue) {
        self.index = index
        self.value = value
    }
}

/// A non-nil interface value: the name the app registered its type under (`int`,
/// `time.Time`, `example.com/shop/models.User`), the concrete type, and the value.
public struct GobInterfaceValue: Sendable, Equatable {
    public var name: String
    public var type: GobTypeID
    public var value: GobValue

    public init(name: String, type: GobTypeID, value: GobValue) {
        self.name = name
        self.type = type
        self.value = value
    }
}

/// A whole gob stream: the type definitions it carries and its one top-level value.
public struct GobDocument: Sendable, Equatable {
    public var types: GobTypeTable
    public var rootType: GobTypeID
    public var root: GobValue

    public init(types: GobTypeTable, rootType: GobTypeID, root: GobValue) {
        self.types = types
        self.rootType = rootType
        self.root = root
    }
}
