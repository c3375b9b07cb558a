// The fuzz target over Flask-Session values: the msgpack reader and writer (`MsgPack`), the
// legacy pickle reader (`PickleReader`) and `FlaskSessionCodec`, which tries them as Flask does.
// Built and run by `scripts/fuzz.sh flask`; not part of the Swift package.
//
// Properties, for any input:
// - reading ends in a session or a problem, never a crash, and never runs anything;
// - a session read writes (as msgpack and as JSON, when Flask could read what it holds) bytes
//   that read back as the same data, and writing that data over what was read keeps the order
//   and gives the same data again; data unchanged over msgpack or JSON writes exactly the input
//   when the input was written as msgspec writes it;
// - the msgpack reader alone reads any value (not only maps) without crashing.

func fuzzFlask(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)
    _ = try? MsgPack.decode(bytes[...])
    _ = try? PickleReader.dictEntries(bytes[...])
    guard case .success(let stored) = FlaskSessionCodec.decode(bytes) else { return }
    let data = stored.data
    for format in [FlaskSessionFormat.msgpack, .json] {
        guard let written = try? FlaskSessionCodec.encode(data, over: nil, format: format) else { continue }
        guard case .success(let again) = FlaskSessionCodec.decode(written) else { fatalError("sessctl wrote a \(format) value it cannot read") }
        guard again.data == data else { fatalError("writing \(format) and reading back changed the data") }
        guard let over = try? FlaskSessionCodec.encode(data, over: again, format: format), over == written else {
            fatalError("writing unchanged \(format) data over what it was read from changed the bytes")
        }
    }
}
