// The fuzz target over sessctl's gob decoder and what sessctl does with what it decodes
// (JSON views, re-encoding, the SCS and redistore codecs, the edit path). Built and run by
// `scripts/fuzz.sh gob` together with the codec's sources; not part of the Swift package.
//
// Besides "no crash, hang or leak" it checks one property: whatever decodes, sessctl writes
// as a stream that decodes again and writes the same bytes a second time.

func fuzzGob(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)

    if let document = try? GobDecoder.decode(bytes) {
        var view = GobJSONView(types: document.types, budget: 100_000)
        _ = try? view.plain(document.root, type: document.rootType)
        _ = try? view.typed(document.root, type: document.rootType)
        if let written = try? GobEncoder.encode(document) {
            guard let again = try? GobDecoder.decode(written) else { fatalError("sessctl wrote a stream it cannot read") }
            guard let rewritten = try? GobEncoder.encode(again), rewritten == written else { fatalError("writing is not stable") }
        }
    }

    if case .success(let contents) = SCSCodec.decode(bytes) {
        exercise(contents.values) { try SCSCodec.encode($0, deadline: contents.deadline) }
    }
    if case .success(.gob(let values)) = RedistoreCodec.decode(bytes) {
        exercise(values) { try RedistoreCodec.encode($0) }
    }
}

/// Shows the values, lays their own JSON back over them (what a write of an unchanged session
/// does), edits one key, and writes them.
private func exercise(_ values: GobSessionValues, encode: (GobSessionValues) throws -> [UInt8]) {
    guard let plain = try? values.plainData() else { return }
    _ = try? values.typedData()
    if let merged = try? values.merged(with: plain), !values.hasAmbiguousNames, merged.entries != values.entries {
        fatalError("laying a session's own JSON over it changed it")
    }
    if let typed = try? values.typedData(), let back = try? values.replacing(withTyped: typed), back.entries.count != values.entries.count, !values.hasAmbiguousNames {
        fatalError("laying a session's own typed JSON over it lost entries")
    }
    if let first = plain.members.first, let edited = try? values.setting(first.key, to: .string("x"), typeName: nil) {
        _ = try? encode(edited)
    }
    _ = try? encode(values)
}
