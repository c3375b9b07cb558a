// The fuzz target over sessctl's JSON reading: `JSONParser`, the Go encoder it pairs with,
// `GoJSONCanonical` (which lets a store pass Go's own text through unparsed) and
// `JSONObjectValidator` (which counts a scan's sessions without parsing them). Built and run by
// `scripts/fuzz.sh json`; not part of the Swift package.
//
// Properties, for any input:
// - what parses writes as Go's text, which parses to an equal value in the same escape style
//   (where the value has a character the styles write differently), writes the same bytes again,
//   and is canonical when it is an object; the indented view parses to an equal value too;
// - text the canonical check accepts parses, and writes back byte for byte;
// - the validator calls an object valid exactly when the parser reads one;
// - `JSJSON` (connect-redis values): what parses has a member order (`keyOrder`) naming each
//   object's keys exactly; an object either is refused or writes as text that parses, has the
//   order it was written in and writes back byte for byte; a number it prints reads as the
//   same double.

func fuzzJSON(_ input: UnsafeBufferPointer<UInt8>) {
    let parsed = try? JSONParser.parseDocument(input)
    if let (value, style) = parsed {
        checkWrittenForm(value, style: style)
        checkJavaScriptForm(value, input: Array(input))
    }
    if let canonical = GoJSONCanonical.check(input) {
        guard let (value, style) = parsed, case .object(let object) = value else { fatalError("canonical text does not parse as an object") }
        guard canonical.members == object.count, canonical.style == style else { fatalError("canonical check miscounts: \(canonical) for \(object.count) members, \(style)") }
        guard GoJSONEncoder.encode(value, style: style).elementsEqual(input) else { fatalError("canonical text does not write back byte for byte") }
    }
    switch JSONObjectValidator.check(input) {
    case .object(let members):
        guard case .object(let object)? = parsed?.value, members >= object.count else { fatalError("the validator accepts what the parser does not read as an object") }
    case .notAnObject:
        if case .object? = parsed?.value { fatalError("the validator does not see the object the parser reads") }
    case .invalid:
        if parsed != nil { fatalError("the validator refuses what the parser reads") }
    }
}

private func checkWrittenForm(_ value: JSONValue, style: JSONEscapeStyle) {
    let written = GoJSONEncoder.encode(value, style: style)
    guard let (again, againStyle) = try? JSONParser.parseDocument(written) else { fatalError("sessctl wrote JSON it cannot read") }
    guard again == value else { fatalError("writing and reading back changed the value") }
    let stylesDiffer = styleMatters(value)
    guard againStyle == style || !stylesDiffer else { fatalError("writing changed the escape style from \(style) to \(againStyle)") }
    guard GoJSONEncoder.encode(again, style: style) == written else { fatalError("writing is not stable") }
    if case .object(let object) = value {
        let canonical = written.withUnsafeBufferPointer { GoJSONCanonical.check($0) }
        guard let canonical, canonical.members == object.count, canonical.style == style || !stylesDiffer else { fatalError("what sessctl writes is not canonical") }
    }
    let pretty = Array(JSONPrettyPrinter.format(value).utf8)
    guard (try? JSONParser.parse(pretty)) == value else { fatalError("the indented view does not read back as the value") }
}

/// Whether the value holds U+0008 or U+000C, the characters the two styles write differently (a
/// text can use an escape style in a value that a later duplicate key replaces).
func styleMatters(_ value: JSONValue) -> Bool {
    GoJSONEncoder.encode(value, style: .legacy) != GoJSONEncoder.encode(value, style: .modern)
}

private func checkJavaScriptForm(_ value: JSONValue, input: [UInt8]) {
    guard let order = JSJSON.keyOrder(of: input) else { fatalError("JSON that parses has no member order") }
    checkOrder(value, order)
    guard case .object(let object) = value, let written = try? JSJSON.encode(object, order: order) else { return }
    guard let again = try? JSONParser.parse(written), case .object(let readBack) = again else { fatalError("JSJSON wrote what does not parse as an object") }
    guard readBack.keys.elementsEqual(object.keys, by: { $0.utf8.elementsEqual($1.utf8) }) else { fatalError("JSJSON lost or added a member") }
    guard let writtenOrder = JSJSON.keyOrder(of: written) else { fatalError("JSJSON's text has no member order") }
    guard (try? JSJSON.encode(readBack, order: writtenOrder)) == written else { fatalError("JSJSON's text does not write back byte for byte") }
}

/// The order names exactly the keys of each object, and checks each number's JavaScript form.
private func checkOrder(_ value: JSONValue, _ order: JSJSON.KeyOrder) {
    switch (value, order) {
    case (.object(let object), .object(let members)):
        guard members.count == object.count else { fatalError("the member order has \(members.count) keys for \(object.count)") }
        for m in members {
            guard let v = object[m.key] else { fatalError("the member order names a key the object lacks") }
            checkOrder(v, m.order)
        }
    case (.array(let items), .array(let orders)):
        guard items.count == orders.count else { fatalError("the member order miscounts an array") }
        for (v, o) in zip(items, orders) { checkOrder(v, o) }
    case (.number(let literal), .leaf):
        if let js = JSJSON.number(literal), Double(js) != Double(literal) { fatalError("\(literal) printed as \(js)") }
    case (.null, .leaf), (.bool, .leaf), (.string, .leaf): break
    default: fatalError("the member order does not match the value's shape")
    }
}
