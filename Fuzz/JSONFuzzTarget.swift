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
// - the validator calls an object valid exactly when the parser reads one.

func fuzzJSON(_ input: UnsafeBufferPointer<UInt8>) {
    let parsed = try? JSONParser.parseDocument(input)
    if let (value, style) = parsed {
        checkWrittenForm(value, style: style)
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
