/// SCS's default codec (`scs.GobCodec`): one gob stream, from a fresh encoder, of the anonymous
/// `struct { Deadline time.Time; Values map[string]interface{} }`.
public enum SCSCodec {
    /// What one blob holds.
    public struct Contents: Sendable {
        public var values: GobSessionValues
        /// The absolute end of the session's life; nil when the blob has none (a zero Deadline).
        public var deadline: GoTime?
    }

    static let expected = "an SCS session (gob of {Deadline, Values})"

    /// The blob's deadline and values; a problem for anything SCS's codec did not write.
    public static func decode(_ bytes: [UInt8]) -> Result<Contents, StoredBlobProblem> {
        let document: GobDocument
        switch StoredBlobProblem.decodeGob(bytes, expected: expected) {
        case .failure(let p): return .failure(p)
        case .success(let d): document = d
        }
        guard let shape = Shape(document.types, root: document.rootType) else {
            return .failure(
                StoredBlobProblem(
                    .foreign,
                    "foreign value: a gob stream of \(document.types.spelling(document.rootType)), not \(expected); left untouched"))
        }
        guard case .structure(let fields) = document.root else { return .failure(StoredBlobProblem(.broken, "not a struct value; left untouched")) }
        var deadline: GoTime?
        var entries: [GobMapEntry] = []
        for f in fields {
            switch (f.index, f.value) {
            case (shape.deadlineField, .bytes(let b)):
                guard let t = GoTime(binary: b) else {
                    return .failure(StoredBlobProblem(.broken, "the Deadline is not a time.Time (\(b.count) bytes); left untouched"))
                }
                deadline = t
            case (shape.valuesField, .map(let e)):
                entries = e
            default:
                break
            }
        }
        do {
            let values = try GobSessionValues(types: document.types, mapType: shape.mapType, entries: entries)
            return .success(Contents(values: values, deadline: deadline))
        } catch {
            return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
        }
    }

    /// The values of a new session: SCS's three types and no keys.
    public static func emptyValues() -> GobSessionValues {
        var types = GobTypeTable()
        types.define(65, .structure(name: "", fields: [GobFieldType(name: "Deadline", type: 66), GobFieldType(name: "Values", type: 67)]))
        types.define(66, .gobEncoder(name: "Time"))
        types.define(67, .map(name: "map[string]interface {}", key: GobBuiltin.string, elem: GobBuiltin.interface))
        // An empty map has nothing to read: this cannot fail.
        return try! GobSessionValues(types: types, mapType: 67, entries: [])
    }

    /// The blob SCS writes for these values and deadline. `Values` is always there (SCS holds a
    /// map, empty or not, once it has loaded a session); a zero deadline is left out.
    public static func encode(_ values: GobSessionValues, deadline: GoTime?) throws(GobError) -> [UInt8] {
        var types = values.types
        var rootType: GobTypeID?
        var shape: Shape?
        for (id, t) in types.definitions.sorted(by: { $0.key < $1.key }) {
            if case .structure = t, let s = Shape(types, root: id), s.mapType == values.mapType {
                rootType = id
                shape = s
                break
            }
        }
        if rootType == nil {
            guard case .map(let k, let e)? = types.kind(values.mapType), k == GobBuiltin.string, e == GobBuiltin.interface else {
                throw GobError.value("these values are not an SCS session's (their keys are not strings)")
            }
            let time = types.intern(.gobEncoder(name: "Time"))
            let id = types.intern(.structure(name: "", fields: [GobFieldType(name: "Deadline", type: time), GobFieldType(name: "Values", type: values.mapType)]))
            rootType = id
            shape = Shape(types, root: id)
        }
        guard let rootType, let shape else { throw GobError.value("no SCS struct type") }
        var fields = [GobFieldValue(index: shape.valuesField, value: .map(values.mapEntries))]
        if let deadline, !deadline.isZero || !deadline.isUTC {
            fields.append(GobFieldValue(index: shape.deadlineField, value: .bytes(deadline.binary)))
        }
        fields.sort { $0.index < $1.index }
        return try GobEncoder.encode(GobDocument(types: types, rootType: rootType, root: .structure(fields)))
    }

    /// Where SCS's struct keeps its two fields.
    struct Shape {
        let deadlineField: Int
        let valuesField: Int
        let mapType: GobTypeID

        init?(_ types: GobTypeTable, root: GobTypeID) {
            guard case .structure(let fields)? = types.kind(root), fields.count == 2,
                let d = fields.firstIndex(where: { $0.name == "Deadline" }), let v = fields.firstIndex(where: { $0.name == "Values" }),
                case .opaque(.gobEncoder)? = types.kind(fields[d].type),
                case .map(let key, let elem)? = types.kind(fields[v].type), key == GobBuiltin.string, elem == GobBuiltin.interface
            else { return nil }
            deadlineField = d
            valuesField = v
            mapType = fields[v].type
        }
    }
}
