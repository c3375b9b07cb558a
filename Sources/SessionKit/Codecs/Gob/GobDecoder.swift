/// Reads one gob stream, as Go's `gob.NewDecoder(r).Decode(&v)` reads it, into a
/// `GobDocument` without knowing any Go type beforehand: the stream's own type definitions
/// say what every byte means.
///
/// The input is untrusted: every count is checked against the bytes left, nesting is bounded,
/// and anything Go's decoder would refuse (a type defined twice, a field number out of range,
/// a value running past its message) is an error, never a crash.
public struct GobDecoder {
    public struct Limits: Sendable {
        /// Nesting of values (structs, slices, maps, interfaces inside each other).
        public var maxDepth: Int
        /// The size of a stream.
        public var maxBytes: Int
        /// Type definitions in one stream.
        public var maxTypes: Int

        public init(maxDepth: Int = 100, maxBytes: Int = 32 << 20, maxTypes: Int = 10_000) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
            self.maxTypes = maxTypes
        }
    }

    /// Decodes the stream's first value with the type definitions before and inside it. Bytes
    /// after that value are ignored, as Go ignores them.
    public static func decode(_ bytes: [UInt8], limits: Limits = Limits()) throws(GobError) -> GobDocument {
        guard bytes.count <= limits.maxBytes else {
            throw GobError(.limit, at: 0, "\(bytes.count) bytes, more than the limit of \(limits.maxBytes)")
        }
        var decoder = GobDecoder(bytes, limits: limits)
        guard let id = try decoder.typeSequence(isInterface: false) else {
            throw GobError(.truncated, at: 0, "no messages at all")
        }
        let root = try decoder.framedValue(id, depth: 0)
        return GobDocument(types: decoder.types, rootType: id, root: root)
    }

    private var reader: GobReader
    private let limits: Limits
    private var types = GobTypeTable()
    /// Types whose whole static graph is known to be defined.
    private var complete: Set<GobTypeID> = []

    private init(_ bytes: [UInt8], limits: Limits) {
        reader = GobReader(bytes)
        self.limits = limits
    }

    // MARK: Type definitions

    /// Go's `decodeTypeSequence`: reads type definitions (each `-id` and a wire type) until a
    /// type id of a value comes; nil at the end of the stream before any message. Inside an
    /// interface value a definition may be followed by the value's byte count, which is skipped.
    private mutating func typeSequence(isInterface: Bool) throws(GobError) -> GobTypeID? {
        var first = true
        while true {
            if reader.messageIsEmpty {
                guard try reader.nextMessage() else {
                    if first && !isInterface { return nil }
                    throw reader.truncated(
                        isInterface
                            ? "the stream ends before an interface value's type"
                            : "type definitions with no value after them")
                }
            }
            let start = reader.position
            let id = try reader.int()
            if id >= 0 {
                let value = Int(id)
                try checkValueType(value, at: start)
                return value
            }
            guard id > -Int64(Int32.max) else { throw GobError(.corrupt, at: start, "type id \(id) out of range") }
            try receiveType(Int(-id), at: start)
            if !reader.messageIsEmpty {
                guard isInterface else { throw reader.corrupt("extra data after a type definition") }
                _ = try reader.uint()
            }
            first = false
        }
    }

    /// Go's `recvType`: one definition, which must be new and a user id.
    private mutating func receiveType(_ id: GobTypeID, at start: Int) throws(GobError) {
        guard id >= GobBuiltin.firstUserID else { throw GobError(.corrupt, at: start, "a definition of predefined type id \(id)") }
        guard types[id] == nil else { throw GobError(.corrupt, at: start, "type \(id) is defined twice") }
        guard types.count < limits.maxTypes else { throw GobError(.limit, at: start, "more than \(limits.maxTypes) type definitions") }
        types.define(id, try wireType())
    }

    /// A `wireType` struct: exactly one of ArrayT, SliceT, StructT, MapT, GobEncoderT,
    /// BinaryMarshalerT, TextMarshalerT.
    private mutating func wireType() throws(GobError) -> GobWireType {
        var result: GobWireType?
        try fields(of: "a type definition", count: 7) { (field: Int, r: inout GobDecoder) throws(GobError) in
            let type: GobWireType
            switch field {
            case 0:
                var common = ("", 0), elem = 0, length: Int64 = 0
                try r.fields(of: "an array type", count: 3) { (f: Int, r: inout GobDecoder) throws(GobError) in
                    switch f {
                    case 0: common = try r.commonType()
                    case 1: elem = try r.typeReference()
                    default: length = try r.reader.int()
                    }
                }
                guard length >= 0 && length <= Int64(Int32.max) else { throw r.reader.corrupt("an array length of \(length)") }
                type = .array(name: common.0, elem: elem, length: Int(length))
            case 1:
                var common = ("", 0), elem = 0
                try r.fields(of: "a slice type", count: 2) { (f: Int, r: inout GobDecoder) throws(GobError) in
                    if f == 0 { common = try r.commonType() } else { elem = try r.typeReference() }
                }
                type = .slice(name: common.0, elem: elem)
            case 2:
                var common = ("", 0), list: [GobFieldType] = []
                try r.fields(of: "a struct type", count: 2) { (f: Int, r: inout GobDecoder) throws(GobError) in
                    if f == 0 { common = try r.commonType(); return }
                    let n = try r.reader.count("a field list")
                    list.reserveCapacity(n)
                    for _ in 0..<n {
                        var name = "", id = 0
                        try r.fields(of: "a field", count: 2) { (g: Int, r: inout GobDecoder) throws(GobError) in
                            if g == 0 { name = try r.reader.name() } else { id = try r.typeReference() }
                        }
                        list.append(GobFieldType(name: name, type: id))
                    }
                }
                type = .structure(name: common.0, fields: list)
            case 3:
                var common = ("", 0), key = 0, elem = 0
                try r.fields(of: "a map type", count: 3) { (f: Int, r: inout GobDecoder) throws(GobError) in
                    switch f {
                    case 0: common = try r.commonType()
                    case 1: key = try r.typeReference()
                    default: elem = try r.typeReference()
                    }
                }
                type = .map(name: common.0, key: key, elem: elem)
            default:
                var common = ("", 0)
                try r.fields(of: "a marshaler type", count: 1) { (_: Int, r: inout GobDecoder) throws(GobError) in
                    common = try r.commonType()
                }
                type = field == 4 ? .gobEncoder(name: common.0) : field == 5 ? .binaryMarshaler(name: common.0) : .textMarshaler(name: common.0)
            }
            guard result == nil else { throw r.reader.corrupt("a type definition of more than one kind") }
            result = type
        }
        guard let result else { throw reader.corrupt("an empty type definition") }
        return result
    }

    /// `CommonType{Name string; Id typeId}`.
    private mutating func commonType() throws(GobError) -> (String, Int) {
        var name = "", id = 0
        try fields(of: "a type's name and id", count: 2) { (f: Int, r: inout GobDecoder) throws(GobError) in
            if f == 0 { name = try r.reader.name() } else { id = try r.typeReference() }
        }
        return (name, id)
    }

    /// A type id inside a definition (resolved when a value needs it).
    private mutating func typeReference() throws(GobError) -> GobTypeID {
        let start = reader.position
        let id = try reader.int()
        guard id > 0 && id <= Int64(Int32.max) else { throw GobError(.corrupt, at: start, "type id \(id) out of range") }
        return Int(id)
    }

    /// The fields of a struct on the wire: (delta, value) pairs ended by a zero delta; `body`
    /// reads the value of field n (0 ..< count).
    private mutating func fields(
        of what: String, count: Int,
        _ body: (Int, inout GobDecoder) throws(GobError) -> Void
    ) throws(GobError) {
        var field = -1
        while true {
            let start = reader.position
            let delta = try reader.uint()
            if delta == 0 { return }
            guard delta <= UInt64(count), field + Int(delta) < count else {
                throw GobError(.corrupt, at: start, "field number out of range in \(what)")
            }
            field += Int(delta)
            try body(field, &self)
        }
    }

    /// Checks that a value's type and every type its fields, elements and keys use are
    /// defined (interfaces name their own types later).
    private mutating func checkValueType(_ id: GobTypeID, at start: Int) throws(GobError) {
        if GobBuiltin.isBuiltin(id) || complete.contains(id) { return }
        var stack = [id], seen: Set<GobTypeID> = [id]
        while let t = stack.popLast() {
            if GobBuiltin.isBuiltin(t) || complete.contains(t) { continue }
            guard let wire = types[t] else {
                throw GobError(.corrupt, at: start, t == id ? "a value of type \(t), which is not defined" : "type \(t) is used but not defined")
            }
            for c in wire.components where seen.insert(c).inserted { stack.append(c) }
        }
        complete.formUnion(seen)
    }

    // MARK: Values

    /// A value as it comes at the top level or inside an interface: a struct's fields directly,
    /// anything else after a zero "singleton" delta.
    private mutating func framedValue(_ id: GobTypeID, depth: Int) throws(GobError) -> GobValue {
        if case .structure = types.kind(id) { return try value(id, depth: depth) }
        let start = reader.position
        guard try reader.uint() == 0 else { throw GobError(.corrupt, at: start, "a non-zero delta before a single value") }
        return try value(id, depth: depth)
    }

    private mutating func value(_ id: GobTypeID, depth: Int) throws(GobError) -> GobValue {
        guard depth <= limits.maxDepth else { throw GobError(.limit, at: reader.position, "values nested deeper than \(limits.maxDepth)") }
        guard let kind = types.kind(id) else { throw reader.corrupt("type \(id) is used but not defined") }
        switch kind {
        case .bool: return .bool(try reader.uint() != 0)
        case .int: return .int(try reader.int())
        case .uint: return .uint(try reader.uint())
        case .float: return .float(try reader.floatBits())
        case .complex:
            let re = try reader.floatBits()
            return .complex(real: re, imaginary: try reader.floatBits())
        case .bytes, .opaque: return .bytes(try reader.byteString())
        case .string: return .string(try reader.byteString())
        case .interface: return try interface(depth: depth)
        case .array(let elem, let length):
            let start = reader.position
            let n = try reader.uint()
            guard n == UInt64(length) else { throw GobError(.corrupt, at: start, "an array of \(n) elements where its type has \(length)") }
            return .list(try elements(elem, count: length, depth: depth))
        case .slice(let elem):
            return .list(try elements(elem, count: try reader.count("a slice"), depth: depth))
        case .map(let key, let elem):
            let n = try reader.count("a map")
            var entries: [GobMapEntry] = []
            entries.reserveCapacity(n)
            for _ in 0..<n {
                let k = try value(key, depth: depth + 1)
                entries.append(GobMapEntry(key: k, value: try value(elem, depth: depth + 1)))
            }
            return .map(entries)
        case .structure(let fieldTypes):
            var fields: [GobFieldValue] = []
            var field = -1
            while true {
                let start = reader.position
                let delta = try reader.uint()
                if delta == 0 { break }
                guard delta <= UInt64(fieldTypes.count), field + Int(delta) < fieldTypes.count else {
                    throw GobError(.corrupt, at: start, "field number out of range in a value of type \(types.spelling(id))")
                }
                field += Int(delta)
                fields.append(GobFieldValue(index: field, value: try value(fieldTypes[field].type, depth: depth + 1)))
            }
            return .structure(fields)
        }
    }

    private mutating func elements(_ elem: GobTypeID, count: Int, depth: Int) throws(GobError) -> [GobValue] {
        guard count <= reader.bytesLeftInStream else { throw reader.truncated("\(count) elements but only \(reader.bytesLeftInStream) bytes left") }
        var out: [GobValue] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try value(elem, depth: depth + 1)) }
        return out
    }

    /// Go's `decodeInterface`: the registered name (empty for nil), the concrete type (possibly
    /// after new type definitions, even in new messages), a byte count, and the value.
    private mutating func interface(depth: Int) throws(GobError) -> GobValue {
        let start = reader.position
        let name = try reader.name()
        if name.isEmpty { return .interface(nil) }
        guard let concrete = try typeSequence(isInterface: true) else { throw reader.truncated("an interface value without its type") }
        guard concrete != GobBuiltin.interface else { throw GobError(.corrupt, at: start, "an interface value whose concrete type is an interface") }
        if let basic = GobBasicType(name: name), !basic.matches(concrete) {
            throw GobError(.corrupt, at: start, "an interface value named \(name) holding a \(types.spelling(concrete))")
        }
        _ = try reader.uint()  // the byte count of what follows, for skipping
        let inner = try framedValue(concrete, depth: depth + 1)
        return .interface(GobInterfaceValue(name: name, type: concrete, value: inner))
    }
}
