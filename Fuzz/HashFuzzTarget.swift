// The fuzz target over the Redis-Hash field decoding: `HashFieldCodec` and the fields ->
// session data step of `RedisHashStore` (`HashFieldCodec.decode(fields:)`). Built and run by
// `scripts/fuzz.sh hash`; not part of the Swift package.
//
// The input is the fields of one hash: NUL-separated items read as name, value, name, value, ...
// (a last name alone gets an empty value). A NUL inside a name or value is the one thing this
// cannot say; the decoder treats it as any other control byte, which the input can hold.
// Properties:
// - every key holds what its (last) field decodes to, keeps that field's exact bytes, and a
//   name that is not UTF-8 keeps its bytes under the key it shows as; the size is the bytes';
// - the undecodable keys are exactly the keys with a name or value that is not UTF-8, each once;
// - every value reads back the same once written to a field (`asStored`, what `migrate`
//   verifies a copy with), and a text field that reads as a string writes back its own bytes.

func fuzzHash(_ input: UnsafeBufferPointer<UInt8>) {
    let items = input.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)
    let fields = stride(from: 0, to: items.count, by: 2).map {
        HashFieldCodec.Field(name: items[$0], value: $0 + 1 < items.count ? items[$0 + 1] : [])
    }
    let read = HashFieldCodec.decode(fields: fields)

    var last: [String: HashFieldCodec.Field] = [:]
    var undecodable = Set<String>()
    for f in fields {
        let (key, nameIsText) = HashFieldCodec.decodeName(f.name)
        if nameIsText, Array(key.utf8) != f.name { fatalError("a text name does not show as itself") }
        last[key] = f
        if !nameIsText || String(validating: f.value, as: UTF8.self) == nil { undecodable.insert(key) }
    }
    guard read.size == fields.reduce(0, { $0 + $1.name.count + $1.value.count }) else { fatalError("the size is not the fields' bytes") }
    guard read.data.count == last.count, read.rawValues.count == last.count else { fatalError("keys were lost or made up") }
    guard read.undecodableKeys == undecodable.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) else { fatalError("wrong undecodable keys") }
    for (key, value) in read.data {
        guard let field = last[key], read.rawValues[key] == field.value, HashFieldCodec.decode(field.value).value == value else {
            fatalError("key \(key) does not hold its last field")
        }
        let nameIsText = String(validating: field.name, as: UTF8.self) != nil
        guard read.rawNames[key] == (nameIsText ? nil : field.name) else { fatalError("key \(key) lost its stored name") }
        guard HashFieldCodec.asStored(value) == value else { fatalError("key \(key) reads back other than it shows once written") }
        if case .string = value, String(validating: field.value, as: UTF8.self) != nil, HashFieldCodec.encode(value) != field.value {
            fatalError("the text of key \(key) does not write back as its own bytes")
        }
    }
}
