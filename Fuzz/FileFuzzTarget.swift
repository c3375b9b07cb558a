// The fuzz target over the GoFrame File session decoder: `GSessionFileCodec` (the 8-byte
// header and the JSON body) and `GSessionCipher` (AES-CBC bodies). Built and run by
// `scripts/fuzz.sh file`; not part of the Swift package.
//
// Each input is read as a plain file, as an encrypted one with GoFrame's default key and with
// another (AES-128) key, and, its body sealed with the default key first, as an encrypted one.
// Properties:
// - a header that reads writes back as the same 8 bytes; a file that fails past its header
//   still gives its timestamp (what `list` shows for a broken session);
// - a session that decodes writes a file that decodes to the same timestamp, data and style
//   (where the data has a character the styles write differently); a plain body that is Go's
//   own text writes back byte for byte;
// - a body that decrypts encrypts back to the same bytes;
// - a sealed file decodes exactly when the plain one does, to the same session.

private let headerSize = GSessionFileCodec.headerSize
private let defaultCipher = try! GSessionCipher()
private let otherCipher = try! GSessionCipher(key: Array("sixteen byte key".utf8))

func fuzzFile(_ input: UnsafeBufferPointer<UInt8>) {
    let bytes = Array(input)
    let body = Array(bytes.dropFirst(headerSize))
    if let timestamp = GSessionFileCodec.readTimestamp(bytes), GSessionFileCodec.header(timestamp) != Array(bytes.prefix(headerSize)) {
        fatalError("the header does not write back")
    }
    let plain = decode(bytes, cipher: nil)
    if let plain, GoJSONCanonical.check(body[...]) != nil, GSessionFileCodec.body(plain.data, style: plain.style, cipher: nil) != body {
        fatalError("Go's own text does not write back byte for byte")
    }
    for cipher in [defaultCipher, otherCipher] {
        _ = decode(bytes, cipher: cipher)
        if let clear = cipher.decrypt(body), cipher.encrypt(clear) != body {
            fatalError("a body that decrypts does not encrypt back")
        }
    }
    if !body.isEmpty {
        let opened = decode(Array(bytes.prefix(headerSize)) + defaultCipher.encrypt(body), cipher: defaultCipher)
        guard opened?.timestamp == plain?.timestamp, opened?.data == plain?.data, opened?.style == plain?.style else {
            fatalError("encrypting the body changed what the file reads as")
        }
    }
}

/// Decodes, checks the failure or the written form, and returns the session.
private func decode(_ bytes: [UInt8], cipher: GSessionCipher?) -> GSessionFileCodec.Decoded? {
    switch GSessionFileCodec.decode(bytes, cipher: cipher) {
    case .failure(let failure):
        // A plausible header is kept by any failure after it; an absurd one is the failure.
        let header = GSessionFileCodec.readTimestamp(bytes)
        let plausible = header.map { GSessionFileCodec.implausibility(of: $0) == nil } ?? false
        if bytes.count > headerSize, failure.timestamp != (plausible ? header : nil) {
            fatalError("a file with a header fails without its timestamp, or with an absurd one: \(failure.reason)")
        }
        return nil
    case .success(let session):
        guard session.timestamp == GSessionFileCodec.readTimestamp(bytes) else { fatalError("the timestamp is not the header's") }
        let written = GSessionFileCodec.encode(timestamp: session.timestamp, data: session.data, style: session.style, cipher: cipher)
        guard case .success(let again) = GSessionFileCodec.decode(written, cipher: cipher), again.timestamp == session.timestamp,
            again.data == session.data, again.style == session.style || !styleMatters(.object(session.data))
        else {
            fatalError("a written session does not read back the same")
        }
        return session
    }
}
