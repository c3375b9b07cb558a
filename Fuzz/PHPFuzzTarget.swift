// The fuzz target over PHP session values: `PHPSessionCodec` (both serializers, `serialize()`
// values, references) and `PHPFloat`. Built and run by `scripts/fuzz.sh php`; not part of the
// Swift package.
//
// Properties, for any input:
// - a value that reads writes back byte for byte when nothing changed;
// - written afresh (no bytes kept), it reads back, and writing that again gives the same bytes;
// - a value that does not read is foreign exactly when it does not look like a session;
// - the listing's key count is the session's.

func fuzzPHP(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)
    switch PHPSessionCodec.decode(bytes) {
    case .failure(let p):
        guard (p.kind == .foreign) == !PHPSessionCodec.looksLikeSession(bytes) else { fatalError("foreign/broken mixed up: \(p)") }
        guard PHPSessionCodec.summary(bytes).problem != nil else { fatalError("the listing reads what the decoder does not") }
    case .success(let d):
        guard PHPSessionCodec.summary(bytes).keys == d.data.count else { fatalError("the listing miscounts") }
        guard let same = try? PHPSessionCodec.encode(d.data, format: d.format, previous: d), same == bytes else {
            fatalError("an unchanged session does not write back byte for byte")
        }
        guard let fresh = try? PHPSessionCodec.encode(d.data, format: d.format, previous: nil) else { return }  // a reference may not survive
        guard case .success(let again) = PHPSessionCodec.decode(fresh) else { fatalError("what was written does not read back") }
        guard let twice = try? PHPSessionCodec.encode(again.data, format: again.format, previous: nil), twice == fresh else {
            fatalError("writing is not stable")
        }
    }
}
