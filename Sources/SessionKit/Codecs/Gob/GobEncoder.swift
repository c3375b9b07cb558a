/// Writes a `GobDocument` byte for byte as Go's `gob.NewEncoder(w).Encode(v)` writes the
/// corresponding Go value in a process that has not encoded anything before:
///
/// - type ids are numbered from 65 in the order Go builds them (a struct before its fields;
///   a slice, array or map after its element and key types), when a value first needs them;
/// - definitions go out when first needed, each as its own message, the type before the types
///   it uses; an interface value whose type is new flushes the value written so far together
///   with the first definition (Go's own layout, which its decoder expects);
/// - struct fields holding zero values are left out, as Go leaves them out.
///
/// So an unchanged document read from Go's output gives Go's bytes back (map entries in the
/// order they were read), and any document gives a stream Go's decoder reads.
public enum GobEncoder {
    public static func encode(_ document: GobDocument) throws(GobError) -> [UInt8] {
        let state = State(types: document.types)
        let stream = Buffer()
        state.writers = [stream]
        let message = Buffer()
        try state.build(document.rootType)
        try state.sendTypeDescriptor(to: stream, state: message, document.rootType)
        message.int(Int64(try state.id(document.rootType)))
        try state.framed(document.root, document.rootType, into: message)
        State.writeMessage(message, to: stream)
        return stream.bytes
    }

    /// A growing byte buffer shared by reference, as Go's encoder shares its `encBuffer`s.
    final class Buffer {
        var bytes: [UInt8] = []

        func uint(_ x: UInt64) {
            if x < 0x80 {
                bytes.append(UInt8(x))
                return
            }
            let n = (64 - x.leadingZeroBitCount + 7) / 8
            bytes.append(UInt8(truncatingIfNeeded: 256 - n))
            for i in (0..<n).reversed() { bytes.append(UInt8(truncatingIfNeeded: x >> (8 * UInt64(i)))) }
        }

        func int(_ i: Int64) {
            uint(i < 0 ? UInt64(bitPattern: ~i) << 1 | 1 : UInt64(bitPattern: i) << 1)
        }

        func string(_ s: [UInt8]) {
            uint(UInt64(s.count))
            bytes += s
        }
    }

    final class State {
        let types: GobTypeTable
        /// The id each type of `types` gets in the output.
        private var ids: [GobTypeID: GobTypeID] = [:]
        private var lastID = GobBuiltin.firstUserID
        private var building: Set<GobTypeID> = []
        private var sent: Set<GobTypeID> = []
        /// Where type definitions go: the stream, or the buffer of an interface value being written.
        var writers: [Buffer] = []

        init(types: GobTypeTable) {
            self.types = types
        }

        func kind(_ type: GobTypeID) throws(GobError) -> GobKind {
            guard let k = types.kind(type) else { throw GobError.value("type \(type) is used but not defined") }
            return k
        }

        func id(_ type: GobTypeID) throws(GobError) -> GobTypeID {
            if GobBuiltin.isBuiltin(type) { return type }
            guard let id = ids[type] else { throw GobError.value("type \(type) was not numbered") }
            return id
        }

        private func assign(_ type: GobTypeID) {
            if GobBuiltin.isBuiltin(type) || ids[type] != nil { return }
            lastID += 1
            ids[type] = lastID
        }

        /// Go's `getTypeInfo`: numbers a type and every type it is built from.
        func build(_ type: GobTypeID) throws(GobError) {
            if GobBuiltin.isBuiltin(type) || ids[type] != nil || building.contains(type) { return }
            building.insert(type)
            defer { building.remove(type) }
            switch try kind(type) {
            case .structure(let fields):
                assign(type)
                for f in fields {
                    try build(f.type)
                    assign(f.type)  // a type still being built (recursion) gets its id here
                }
            case .slice(let elem):
                try build(elem)
                assign(type)
                assign(elem)
            case .array(let elem, _):
                try build(elem)
                assign(type)
                assign(elem)
            case .map(let key, let elem):
                try build(key)
                try build(elem)
                assign(type)
                assign(key)
                assign(elem)
            default:
                assign(type)
            }
        }

        // MARK: Type definitions

        func sendTypeDescriptor(to writer: Buffer, state: Buffer, _ type: GobTypeID) throws(GobError) {
            if GobBuiltin.isBuiltin(type) || sent.contains(type) { return }
            _ = try sendType(to: writer, state: state, type)
        }

        private func sendType(to writer: Buffer, state: Buffer, _ type: GobTypeID) throws(GobError) -> Bool {
            if GobBuiltin.isBuiltin(type) { return false }
            return try sendActualType(to: writer, state: state, type)
        }

        /// One definition as a message of its own (with whatever `state` already holds), then
        /// the definitions of the types it uses.
        private func sendActualType(to writer: Buffer, state: Buffer, _ type: GobTypeID) throws(GobError) -> Bool {
            if sent.contains(type) { return false }
            guard let wire = types[type] else { throw GobError.value("type \(type) is used but not defined") }
            state.int(-Int64(try id(type)))
            try writeWireType(wire, id: try id(type), into: state)
            Self.writeMessage(state, to: writer)
            sent.insert(type)
            for component in wire.components { _ = try sendType(to: writer, state: state, component) }
            return true
        }

        /// A `wireType` struct with its one field set.
        private func writeWireType(_ wire: GobWireType, id: GobTypeID, into b: Buffer) throws(GobError) {
            func common(_ name: String) {
                b.uint(1)  // field 0: CommonType
                if name.isEmpty {
                    b.uint(2)  // Name omitted: delta 2 to Id
                } else {
                    b.uint(1)
                    b.string(Array(name.utf8))
                    b.uint(1)
                }
                b.int(Int64(id))
                b.uint(0)
            }
            switch wire {
            case .array(let name, let elem, let length):
                b.uint(1)
                common(name)
                b.uint(1)
                b.int(Int64(try self.id(elem)))
                if length != 0 {
                    b.uint(1)
                    b.int(Int64(length))
                }
                b.uint(0)
            case .slice(let name, let elem):
                b.uint(2)
                common(name)
                b.uint(1)
                b.int(Int64(try self.id(elem)))
                b.uint(0)
            case .structure(let name, let fields):
                b.uint(3)
                common(name)
                if !fields.isEmpty {
                    b.uint(1)
                    b.uint(UInt64(fields.count))
                    for f in fields {
                        if f.name.isEmpty {
                            b.uint(2)
                        } else {
                            b.uint(1)
                            b.string(Array(f.name.utf8))
                            b.uint(1)
                        }
                        b.int(Int64(try self.id(f.type)))
                        b.uint(0)
                    }
                }
                b.uint(0)
            case .map(let name, let key, let elem):
                b.uint(4)
                common(name)
                b.uint(1)
                b.int(Int64(try self.id(key)))
                b.uint(1)
                b.int(Int64(try self.id(elem)))
                b.uint(0)
            case .gobEncoder(let name), .binaryMarshaler(let name), .textMarshaler(let name):
                if case .gobEncoder = wire { b.uint(5) } else if case .binaryMarshaler = wire { b.uint(6) } else { b.uint(7) }
                common(name)
                b.uint(0)
            }
            b.uint(0)
        }

        /// Go's `writeMessage`: the buffer's length and bytes onto `writer`; the buffer is emptied.
        static func writeMessage(_ message: Buffer, to writer: Buffer) {
            writer.uint(UInt64(message.bytes.count))
            writer.bytes += message.bytes
            message.bytes.removeAll(keepingCapacity: true)
        }

        // MARK: Values

        /// A top-level or interface-held value: a struct's fields, anything else after a zero delta.
        func framed(_ value: GobValue, _ type: GobTypeID, into b: Buffer) throws(GobError) {
            if case .structure = try kind(type) {
                try self.value(value, type, into: b)
            } else {
                b.uint(0)
                try self.value(value, type, into: b)
            }
        }

        func value(_ value: GobValue, _ type: GobTypeID, into b: Buffer) throws(GobError) {
            let k = try kind(type)
            switch (k, value) {
            case (.bool, .bool(let x)): b.uint(x ? 1 : 0)
            case (.int, .int(let x)): b.int(x)
            case (.uint, .uint(let x)): b.uint(x)
            case (.float, .float(let bits)): b.uint(bits.byteSwapped)
            case (.complex, .complex(let re, let im)):
                b.uint(re.byteSwapped)
                b.uint(im.byteSwapped)
            case (.bytes, .bytes(let x)), (.string, .string(let x)), (.opaque, .bytes(let x)): b.string(x)
            case (.interface, .interface(let iv)): try interface(iv, into: b)
            case (.slice(let elem), .list(let items)), (.array(elem: let elem, _), .list(let items)):
                if case .array(_, let length) = k, items.count != length {
                    throw GobError.value("an array of \(items.count) elements where its type \(types.spelling(type)) has \(length)")
                }
                b.uint(UInt64(items.count))
                for item in items { try self.value(item, elem, into: b) }
            case (.map(let key, let elem), .map(let entries)):
                b.uint(UInt64(entries.count))
                for e in entries {
                    try self.value(e.key, key, into: b)
                    try self.value(e.value, elem, into: b)
                }
            case (.structure(let fields), .structure(let present)):
                var last = -1
                for f in present {
                    guard f.index > last, f.index < fields.count else {
                        throw GobError.value("a field out of order or range in a value of type \(types.spelling(type))")
                    }
                    if try isZero(f.value, fields[f.index].type) { continue }
                    b.uint(UInt64(f.index - last))
                    last = f.index
                    try self.value(f.value, fields[f.index].type, into: b)
                }
                b.uint(0)
            default:
                throw GobError.value("a value that does not match its type \(types.spelling(type))")
            }
        }

        /// Go's `encodeInterface`: name, type definitions if new, type id, then the value as a
        /// counted message of its own inside the current one.
        private func interface(_ iv: GobInterfaceValue?, into b: Buffer) throws(GobError) {
            guard let iv else {
                b.uint(0)
                return
            }
            guard !iv.name.isEmpty else { throw GobError.value("an interface value without a type name") }
            b.string(Array(iv.name.utf8))
            try build(iv.type)
            try sendTypeDescriptor(to: writers.last!, state: b, iv.type)
            b.int(Int64(try id(iv.type)))
            writers.append(b)
            let data = Buffer()
            try framed(iv.value, iv.type, into: data)
            writers.removeLast()
            Self.writeMessage(data, to: b)
        }

        /// Whether Go leaves a struct field with this value out (zero scalars, empty strings and
        /// slices, nil interfaces, the zero time). Arrays, structs and maps that are there (even
        /// empty: only a nil map is left out, and that one was never read) are always sent.
        private func isZero(_ value: GobValue, _ type: GobTypeID) throws(GobError) -> Bool {
            switch value {
            case .bool(let b): return !b
            case .int(let i): return i == 0
            case .uint(let u): return u == 0
            case .float(let bits): return Double(bitPattern: bits) == 0
            case .complex(let re, let im): return Double(bitPattern: re) == 0 && Double(bitPattern: im) == 0
            case .string(let s): return s.isEmpty
            case .bytes(let b):
                if case .opaque(let wire) = try kind(type) {
                    if case .gobEncoder("Time") = wire { return GoTime(binary: b) == GoTime.zero }
                    return false
                }
                return b.isEmpty
            case .list(let items):
                if case .array = try kind(type) { return false }
                return items.isEmpty
            case .map: return false  // Go sends an empty map that is not nil; a nil one is not there at all
            case .interface(let iv): return iv == nil
            case .structure: return false
            }
        }
    }
}
