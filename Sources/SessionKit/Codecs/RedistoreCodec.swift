/// What `boj/redistore` stores for a gorilla session: by default (`GobSerializer`) one gob
/// stream of `session.Values`, a `map[interface{}]interface{}`; with `JSONSerializer` that map
/// as a JSON object (`json.Marshal`, string keys only). A store may hold both, as during a
/// switch of serializer, so each value is read as what it is.
public enum RedistoreCodec {
    public enum Contents: Sendable {
        case gob(GobSessionValues)
        case json(JSONObject, JSONEscapeStyle)
    }

    /// gorilla/sessions registers `[]interface {}` itself (its flash messages).
    public static let frameworkNames: Set<String> = ["[]interface {}"]

    static let expected = "a gorilla session (gob of map[interface {}]interface {}, or a JSON object)"

    public static func decode(_ bytes: [UInt8]) -> Result<Contents, StoredBlobProblem> {
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0a, 0x0d].contains($0) }), first == UInt8(ascii: "{") {
            do {
                let (value, style) = try JSONParser.parseDocument(bytes)
                guard case .object(let o) = value else { return .failure(StoredBlobProblem(.foreign, "not \(expected)")) }
                return .success(.json(o, style))
            } catch {
                return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
            }
        }
        let document: GobDocument
        switch StoredBlobProblem.decodeGob(bytes, expected: expected) {
        case .failure(let p): return .failure(p)
        case .success(let d): document = d
        }
        guard case .map(GobBuiltin.interface, GobBuiltin.interface)? = document.types.kind(document.rootType),
            case .map(let entries) = document.root
        else {
            return .failure(
                StoredBlobProblem(
                    .foreign,
                    "foreign value: a gob stream of \(document.types.spelling(document.rootType)), not \(expected); left untouched"))
        }
        do {
            return .success(.gob(try GobSessionValues(types: document.types, mapType: document.rootType, entries: entries, frameworkNames: frameworkNames)))
        } catch {
            return .failure(StoredBlobProblem(.broken, "\(error); left untouched"))
        }
    }

    /// The values of a new gob session: the map type and no keys.
    public static func emptyValues() -> GobSessionValues {
        var types = GobTypeTable()
        types.define(65, .map(name: "", key: GobBuiltin.interface, elem: GobBuiltin.interface))
        return try! GobSessionValues(types: types, mapType: 65, entries: [], frameworkNames: frameworkNames)
    }

    public static func encode(_ values: GobSessionValues) throws(GobError) -> [UInt8] {
        guard case .map(GobBuiltin.interface, GobBuiltin.interface)? = values.types.kind(values.mapType) else {
            throw GobError.value("these values are not a gorilla session's (their keys are not interfaces)")
        }
        return try GobEncoder.encode(GobDocument(types: values.types, rootType: values.mapType, root: .map(values.mapEntries)))
    }
}
