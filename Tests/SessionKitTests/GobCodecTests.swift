import Foundation
import TestSupport
import XCTest

@testable import SessionKit

/// The gob codec and the SCS and redistore codecs on their own: the blobs the real libraries
/// wrote, the worked examples of other-stores.md, typed edits, and hostile input.
final class GobCodecTests: XCTestCase {
    private func hex(_ s: String) -> [UInt8] {
        let c = Array(s.utf8.filter { $0 != UInt8(ascii: " ") })
        return stride(from: 0, to: c.count, by: 2).map { UInt8(String(decoding: c[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }

    private var scs: [GoFixtureSet.Session] { GoFixtureSet.scs.sessions }
    private var redistoreGob: [GoFixtureSet.Session] { GoFixtureSet.redistore.sessions.filter { $0.serializer == "gob" } }
    private var redistoreJSON: [GoFixtureSet.Session] { GoFixtureSet.redistore.sessions.filter { $0.serializer == "json" } }

    private func object(_ v: JSONValue?) -> JSONObject { v?.objectValue ?? JSONObject() }

    /// The entries of a session's values by name, for comparisons that ignore map order.
    private func byName(_ values: GobSessionValues) -> [String: GobValue] {
        Dictionary(values.entries.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: The fixtures

    func testEveryFixtureBlobDecodesAndReencodesAsGoDoes() throws {
        XCTAssertEqual(scs.count, 11)
        XCTAssertEqual(redistoreGob.count, 6)
        for s in scs + redistoreGob {
            let doc = try GobDecoder.decode(s.stored)
            let again = try GobEncoder.encode(doc)
            // The blob's own entry order is kept, so where the writer numbered types as a fresh
            // process does, its bytes come back exactly.
            if s.reencodedEqualsStored { XCTAssertEqual(again, s.stored, s.name) }
            XCTAssertEqual(try GobEncoder.encode(try GobDecoder.decode(again)), again, "\(s.name): writing is stable")
        }
    }

    func testSCSFixturesShowWhatSCSReadsBack() throws {
        for s in scs {
            let c = try SCSCodec.decode(s.stored).get()
            let expected = object(s.raw["values"])
            let plain = try c.values.plainData()
            let typed = try c.values.typedData()
            XCTAssertEqual(plain.count, expected.count, s.name)
            for (key, e) in expected {
                let e = try XCTUnwrap(e.objectValue)
                XCTAssertEqual(GoTypedExpectation.plainDifferences(plain[key], e, path: "\(s.name).\(key)"), [])
                XCTAssertEqual(GoTypedExpectation.typedDifferences(typed[key], e, path: "\(s.name).\(key)"), [])
            }
            let deadline = try XCTUnwrap(c.deadline, s.name)
            XCTAssertEqual(deadline.rfc3339, s.raw["deadline"]?.stringValue, s.name)
            XCTAssertEqual(deadline.isUTC, s.raw["deadline_utc"] == .bool(true), s.name)
            let nanos = (deadline.seconds - GoTime.unixToInternal) * 1_000_000_000 + Int64(deadline.nanoseconds)
            XCTAssertEqual(nanos, s.int64("deadline_unix_nano"), s.name)
            let names = Set(c.values.entries.compactMap { e -> String? in if case .interface(let iv?) = e.value { return iv.name } else { return nil } })
            var expectedNames = Set<String>()
            if case .array(let a)? = s.raw["gob_type_names"] { for n in a { if let t = n.stringValue { expectedNames.insert(t) } } }
            XCTAssertEqual(names, expectedNames, s.name)
        }
    }

    func testRedistoreFixturesShowWhatRedistoreReadsBack() throws {
        for s in redistoreGob + redistoreJSON {
            let plain: JSONObject, typed: JSONObject
            switch try RedistoreCodec.decode(s.stored).get() {
            case .gob(let values):
                XCTAssertEqual(s.serializer, "gob")
                plain = try values.plainData()
                typed = try values.typedData()
            case .json(let o, _):
                XCTAssertEqual(s.serializer, "json")
                plain = o
                typed = GoJSONTypes.typed(o)
            }
            guard case .array(let entries)? = s.raw["values"] else { return XCTFail(s.name) }
            XCTAssertEqual(plain.count, entries.count, s.name)
            for entry in entries {
                let e = object(entry)
                let key = try XCTUnwrap(object(e["key"])["value"]?.stringValue)
                let value = object(e["value"])
                XCTAssertEqual(GoTypedExpectation.plainDifferences(plain[key], value, path: "\(s.name).\(key)"), [])
                XCTAssertEqual(GoTypedExpectation.typedDifferences(typed[key], value, path: "\(s.name).\(key)"), [])
                XCTAssertNil(typed[key]?.objectValue?["key"], "string keys show no key type")
            }
        }
    }

    /// Test 2 at the codec: what any write of an unchanged session stores.
    func testReencodingAnUnchangedSessionGivesTheLibrarysBytes() throws {
        for s in scs {
            let c = try SCSCodec.decode(s.stored).get()
            let again = try SCSCodec.encode(c.values, deadline: c.deadline)
            if !s.mapOrderRandom { XCTAssertEqual(again, s.reencoded, "\(s.name): the bytes SCS re-encodes") }
            if s.reencodedEqualsStored { XCTAssertEqual(again, s.stored, "\(s.name): the blob's own order and numbering") }
            let back = try SCSCodec.decode(again).get()
            XCTAssertEqual(byName(back.values), byName(try SCSCodec.decode(s.reencoded).get().values), s.name)
            XCTAssertEqual(back.deadline, c.deadline, s.name)
        }
        for s in redistoreGob {
            guard case .gob(let values) = try RedistoreCodec.decode(s.stored).get() else { return XCTFail(s.name) }
            let again = try RedistoreCodec.encode(values)
            if !s.mapOrderRandom { XCTAssertEqual(again, s.reencoded, s.name) }
            if s.reencodedEqualsStored { XCTAssertEqual(again, s.stored, s.name) }
            guard case .gob(let back) = try RedistoreCodec.decode(again).get(), case .gob(let theirs) = try RedistoreCodec.decode(s.reencoded).get() else { return XCTFail() }
            XCTAssertEqual(byName(back), byName(theirs), s.name)
        }
        // time-and-struct was written by a process that had numbered other types first: a
        // fresh numbering in the blob's order is exactly what redistore writes again.
        let ts = try XCTUnwrap(redistoreGob.first { $0.name == "time-and-struct" })
        guard case .gob(let tsValues) = try RedistoreCodec.decode(ts.stored).get() else { return XCTFail() }
        XCTAssertEqual(try RedistoreCodec.encode(tsValues), ts.reencoded)
        // JSON keeps its text; redistore itself would lose 9007199254740993 to float64.
        for s in redistoreJSON {
            guard case .json(let o, let style) = try RedistoreCodec.decode(s.stored).get() else { return XCTFail(s.name) }
            XCTAssertEqual(GoJSONEncoder.encode(o, style: style), s.stored, s.name)
            if s.reencodedEqualsStored { XCTAssertEqual(GoJSONEncoder.encode(o, style: style), s.reencoded, s.name) }
        }
    }

    // MARK: The worked examples of other-stores.md

    private let scsPrefix =
        "26ff81030102ff820001020108446561646c696e6501ff8400010656616c75657301ff8600000010ff830501010454696d6501ff8400000027ff85040101176d61705b737472696e675d696e74657266616365207b7d01ff8600010c01100000"

    func testWorkedSCSExampleAndTestVectors() throws {
        let example = hex(scsPrefix + "25ff82010f010000000edf07f925075bcd15ffff0101067573657249440369 6e74040200540 0".replacingOccurrences(of: " ", with: ""))
        XCTAssertEqual(example.count, 134)
        let c = try SCSCodec.decode(example).get()
        XCTAssertEqual(try c.values.plainData(), JSONObject([("userID", .number("42"))]))
        XCTAssertEqual(c.deadline?.rfc3339, "2025-01-02T03:04:05.123456789Z")
        XCTAssertEqual(try SCSCodec.encode(c.values, deadline: c.deadline), example, "Go's exact bytes")

        let vectors: [(String, String)] = [
            ("29ff82010f010000000edf07f925075bcd15ffff010105666c61736806737472696e670c040002686900", #"{"flash":"hi"}"#),
            ("36ff82010f010000000edf07f925075bcd15ffff010101740974696d652e54696d65ff8411000f010000000edf067c8000000000ffff00", #"{"t":"2025-01-01T00:00:00Z"}"#),
            (
                "4dff82010f010000000edf07f925075bcd15ffff01010175096d61696e2e55736572ff87030101045573657201ff880001030102494401040001044e616d65010c00010541646d696e01020000000eff880a010e0103616e6e01010000",
                #"{"u":{"Admin":true,"ID":7,"Name":"ann"}}"#
            ),
            ("2cff82010f010000000edf07f925075bcd15ffff01010173085b5d737472696e67ff89020102ff8a00010c00000aff8a0600020161016200", #"{"s":["a","b"]}"#),
            ("0fff820201016103696e740402000200", #"{"a":1}"#)
        ]
        for (tail, json) in vectors {
            // The prefix's last four bytes (01 10 00 00) are repeated in the doc as an anchor.
            let blob = hex(scsPrefix + tail)
            let c = try SCSCodec.decode(blob).get()
            XCTAssertEqual(try c.values.plainData(), try JSONParser.parse(Array(json.utf8)).objectValue, json)
            if json == #"{"a":1}"# { XCTAssertNil(c.deadline, "a zero Deadline is left out") }
            let again = try SCSCodec.encode(c.values, deadline: c.deadline)
            XCTAssertEqual(try SCSCodec.decode(again).get().values.typedData(), try c.values.typedData(), json)
        }
        // The type definition in the middle of the value comes back where Go puts it.
        let user = hex(scsPrefix + vectors[2].0)
        XCTAssertEqual(try GobEncoder.encode(try GobDecoder.decode(user)), user)
        // A deadline in +02:00 keeps its offset.
        let plus2 = hex(scsPrefix + "16ff82010f010000000edf07f925075bcd150078010000")
        let d = try XCTUnwrap(try SCSCodec.decode(plus2).get().deadline)
        XCTAssertEqual(d.offsetMinutes, 120)
        XCTAssertEqual(d.rfc3339, "2025-01-02T05:04:05.123456789+02:00")
    }

    func testRedistoreExamples() throws {
        let login = hex("0eff81040102ff82000110011000001eff82000106737472696e670c090007757365725f696403696e7404020054")
        guard case .gob(let v) = try RedistoreCodec.decode(login).get() else { return XCTFail() }
        XCTAssertEqual(try v.plainData(), JSONObject([("user_id", .number("42"))]))
        XCTAssertEqual(try RedistoreCodec.encode(v), login)
        let flash = hex(
            "0eff81040102ff820001100110000030ff82000106737472696e670c0800065f666c6173680e5b5d696e74657266616365207b7dff83020102ff84000110000015ff8412000106737472696e670c0700057361766564"
        )
        guard case .gob(let f) = try RedistoreCodec.decode(flash).get() else { return XCTFail() }
        XCTAssertEqual(try f.plainData(), JSONObject([("_flash", .array([.string("saved")]))]))
        XCTAssertEqual(try RedistoreCodec.encode(f), flash, "the split message of a new type inside an interface, as Go writes it")
    }

    // MARK: Typed values

    func testEveryBasicTypeKeepsItsTypeThroughAWrite() throws {
        var v = RedistoreCodec.emptyValues()
        let cases: [(String, String, JSONValue)] = [
            ("int", "-7", .number("-7")), ("int8", "-128", .number("-128")), ("int16", "32767", .number("32767")),
            ("int32", "-2147483648", .number("-2147483648")), ("int64", "-9223372036854775808", .number("-9223372036854775808")),
            ("uint", "18446744073709551615", .number("18446744073709551615")), ("uint8", "255", .number("255")),
            ("uint16", "65535", .number("65535")), ("uint32", "4294967295", .number("4294967295")), ("uintptr", "1", .number("1")),
            ("float32", "0.1", .number("0.1")), ("float64", "59.97", .number("59.97")), ("bool", "true", .bool(true)),
            ("string", "\"x <&>\"", .string("x <&>")), ("[]uint8", "\"AAEC/v8=\"", .string("AAEC/v8=")),
            ("complex128", "\"(1+2i)\"", .string("(1+2i)")), ("[]string", "[\"a\",\"b\"]", .array([.string("a"), .string("b")])),
            ("[]int", "[1,-2]", .array([.number("1"), .number("-2")]))
        ]
        for (type, text, shown) in cases {
            v = try v.setting(type, to: try JSONParser.parse(Array(text.utf8)), typeName: type)
            XCTAssertEqual(try v.plainData()[type], shown, type)
        }
        guard case .gob(let back) = try RedistoreCodec.decode(try RedistoreCodec.encode(v)).get() else { return XCTFail() }
        XCTAssertEqual(back.entries, v.entries)
        let typed = try back.typedData()
        for (type, _, _) in cases { XCTAssertEqual(typed[type]?.objectValue?["type"], .string(type)) }
    }

    func testSettingKeepsGoTypesAndRefusesValuesThatDoNotFit() throws {
        let login = try XCTUnwrap(scs.first { $0.name == "remember-me" })
        let values = try SCSCodec.decode(login.stored).get().values
        // An int64 stays an int64 and a bool a bool.
        let changed = try values.setting("authenticatedUserID", to: .number("9007199254740993"), typeName: nil)
        let iv = try XCTUnwrap(changed.entries.first { $0.name == "authenticatedUserID" })
        XCTAssertEqual(iv.value, .interface(GobInterfaceValue(name: "int64", type: GobBuiltin.int, value: .int(9_007_199_254_740_993))))
        XCTAssertEqual(
            try changed.setting("isAdmin", to: .string("false"), typeName: nil).typedData()["isAdmin"],
            .object(JSONObject([("type", .string("bool")), ("value", .bool(false))])))
        let refusals: [(String, JSONValue, String?, String)] = [
            ("isAdmin", .number("1"), nil, "a bool is true or false"),
            ("authenticatedUserID", .number("1.5"), nil, "int64 takes a whole number"),
            ("authenticatedUserID", .number("9223372036854775808"), nil, "int64 takes a whole number"),
            ("small", .number("300"), "uint8", "300 is out of range for uint8 (0 to 255)"),
            ("small", .number("-1"), "uint8", "out of range for uint8"),
            ("small", .number("-129"), "int8", "-129 is out of range for int8 (-128 to 127)"),
            ("small", .number("1e39"), "float32", "out of range for float32"),
            ("small", .number("1e400"), "float64", "out of range for float64"),
            ("small", .string("not base64!"), "[]uint8", "takes base64 text"),
            ("small", .string("x"), "main.Unknown", "unknown type 'main.Unknown'"),
            ("small", .string("2025-13-01T00:00:00Z"), "time.Time", "unknown type 'time.Time'")
        ]
        for (key, value, type, message) in refusals {
            XCTAssertThrowsError(try values.setting(key, to: value, typeName: type), "\(key) \(value)") { e in
                XCTAssertTrue("\(e)".contains(message), "\(e)")
            }
        }
        // A new key is a string by default; a JSON object needs a type the app registered.
        XCTAssertEqual(
            try values.setting("n", to: .number("42"), typeName: nil).typedData()["n"],
            .object(JSONObject([("type", .string("string")), ("value", .string("42"))])))
        XCTAssertThrowsError(try values.merged(with: JSONObject([("o", .object(JSONObject()))])))
    }

    func testStructFieldsAndTypedEdits() throws {
        let custom = try XCTUnwrap(scs.first { $0.name == "custom-struct" })
        let c = try SCSCodec.decode(custom.stored).get()
        var data = try c.values.plainData()
        var user = try XCTUnwrap(data["user"]?.objectValue)
        user["Name"] = .string("Caroline")
        user["Admin"] = .bool(true)
        user["Roles"] = .array([.string("editor")])
        data["user"] = .object(user)
        let merged = try c.values.merged(with: data)
        let blob = try SCSCodec.encode(merged, deadline: c.deadline)
        let back = try SCSCodec.decode(blob).get()
        XCTAssertEqual(try back.values.plainData(), data)
        let typed = try back.values.typedData()
        XCTAssertEqual(typed["user"]?.objectValue?["type"], .string("example.com/shop/models.User"), "the registered name stays")
        XCTAssertEqual(back.deadline, c.deadline)
        // Unknown fields and wrong kinds are refused with where and why.
        user["Nickname"] = .string("C")
        data["user"] = .object(user)
        XCTAssertThrowsError(try c.values.merged(with: data)) { e in XCTAssertTrue("\(e)".contains("User has no field 'Nickname'"), "\(e)") }
        // A typed edit changes a type, and a field's wire type cannot change.
        var t = try c.values.typedData()
        t["count"] = .object(JSONObject([("type", .string("int16")), ("value", .number("-5"))]))
        let edited = try c.values.replacing(withTyped: t)
        XCTAssertEqual(try edited.typedData()["count"]?.objectValue?["type"], .string("int16"))
        var bad = try c.values.typedData()
        var node = try XCTUnwrap(bad["user"]?.objectValue), fields = try XCTUnwrap(node["value"]?.objectValue)
        fields["ID"] = .object(JSONObject([("type", .string("string")), ("value", .string("x"))]))
        node["value"] = .object(fields)
        bad["user"] = .object(node)
        XCTAssertThrowsError(try c.values.replacing(withTyped: bad)) { e in XCTAssertTrue("\(e)".contains("user.ID: this value is a int and cannot become a string"), "\(e)") }
    }

    func testMapKeysThatAreNotStringsShowAsGoPrintsThem() throws {
        var v = RedistoreCodec.emptyValues()
        v = try v.setting("x", to: .string("y"), typeName: nil)
        // gorilla's README example: session.Values[42] = 43.
        var entries = v.mapEntries
        entries.append(
            GobMapEntry(
                key: .interface(GobInterfaceValue(name: "int", type: GobBuiltin.int, value: .int(42))),
                value: .interface(GobInterfaceValue(name: "int", type: GobBuiltin.int, value: .int(43)))))
        entries.append(
            GobMapEntry(
                key: .interface(GobInterfaceValue(name: "float64", type: GobBuiltin.float, value: .float(1e6.bitPattern))),
                value: .interface(nil)))
        let values = try GobSessionValues(types: v.types, mapType: v.mapType, entries: entries, frameworkNames: RedistoreCodec.frameworkNames)
        XCTAssertEqual(try values.plainData(), JSONObject([("x", .string("y")), ("42", .number("43")), ("1e+06", .null)]))
        let typed = try values.typedData()
        XCTAssertEqual(typed["42"]?.objectValue?["key"], .object(JSONObject([("type", .string("int")), ("value", .number("42"))])))
        // Setting "42" changes the int key's value and keeps the key an int.
        let set = try values.setting("42", to: .number("44"), typeName: nil)
        XCTAssertEqual(set.entries[1].key, entries[1].key)
        XCTAssertEqual(try set.plainData()["42"], .number("44"))
        guard case .gob(let back) = try RedistoreCodec.decode(try RedistoreCodec.encode(set)).get() else { return XCTFail() }
        XCTAssertEqual(back.entries, set.entries)
    }

    func testTimeAndFloatText() throws {
        let t = try XCTUnwrap(GoTime(rfc3339: "2026-11-20T18:30:15.123456789+05:30"))
        XCTAssertEqual(t.rfc3339, "2026-11-20T18:30:15.123456789+05:30")
        XCTAssertEqual(t.offsetMinutes, 330)
        XCTAssertEqual(GoTime(binary: t.binary), t)
        XCTAssertEqual(GoTime(rfc3339: "2026-11-20T13:00:15.123456789Z")?.unixMillis, t.unixMillis)
        XCTAssertEqual(GoTime.zero.rfc3339, "0001-01-01T00:00:00Z")
        XCTAssertEqual(GoTime(unixMillis: -1).rfc3339, "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(GoTime(seconds: 63_871_383_845, nanoseconds: 500_000_000).goString, "2025-01-02 03:04:05.5 +0000 UTC")
        for bad in ["2026-02-30T00:00:00Z", "2026-11-20T18:30:15", "2026-11-20 18:30:15Z", "2026-11-20T18:30:15.1234567891Z", "2026-11-20T18:30:15+25:00"] {
            XCTAssertNil(GoTime(rfc3339: bad), bad)
        }
        let json: [(Double, String)] = [
            (59.97, "59.97"), (0.1, "0.1"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (1e-7, "1e-7"),
            (0.000001, "0.000001"), (-0.0, "-0"), (100000, "100000"), (9007199254740992, "9007199254740992"), (Double.leastNonzeroMagnitude, "5e-324")
        ]
        for (d, text) in json { XCTAssertEqual(GoFloatFormat.json(d), text) }
        XCTAssertEqual(GoFloatFormat.json(Double(Float(0.1)), bits: 32), "0.1")
        XCTAssertNil(GoFloatFormat.json(.nan))
        let v: [(Double, String)] = [(1e6, "1e+06"), (123456, "123456"), (0.0001, "0.0001"), (0.00001, "1e-05"), (.infinity, "+Inf"), (.nan, "NaN")]
        for (d, text) in v { XCTAssertEqual(GoFloatFormat.percentV(d), text) }
    }

    // MARK: Untrusted input

    func testEveryCutOfAFixtureBlobIsAClearErrorNeverACrash() throws {
        for s in scs + redistoreGob {
            for n in 0..<s.stored.count {
                let cut = Array(s.stored.prefix(n))
                XCTAssertThrowsError(try GobDecoder.decode(cut), "\(s.name) cut at \(n)") { e in
                    XCTAssertEqual((e as? GobError)?.kind, n == 0 ? .truncated : .truncated, "\(s.name) cut at \(n): \(e)")
                }
                if case .success = SCSCodec.decode(cut) { XCTFail("\(s.name) cut at \(n) decoded as SCS") }
            }
        }
        let login = try XCTUnwrap(scs.first { $0.name == "login" })
        guard case .failure(let p) = SCSCodec.decode(Array(login.stored.dropLast(10))) else { return XCTFail() }
        XCTAssertEqual(p.kind, .broken)
        XCTAssertTrue(p.reason.hasPrefix("truncated gob data at byte"), p.reason)
        XCTAssertFalse(p.reason.contains("\n"))
    }

    func testForeignValuesAreToldFromBrokenOnes() throws {
        let json = Array(#"{"Deadline":"2026-01-01T00:00:00Z","Values":{"userID":1}}"#.utf8)
        guard case .failure(let p) = SCSCodec.decode(json) else { return XCTFail() }
        XCTAssertEqual(p.kind, .foreign)
        XCTAssertTrue(p.reason.contains("JSON text, not an SCS session"), p.reason)
        guard case .failure(let text) = SCSCodec.decode(Array("hello world".utf8)) else { return XCTFail() }
        XCTAssertEqual(text.kind, .foreign)
        // A gorilla blob is gob, but not SCS's struct; and the other way round.
        let gorilla = try XCTUnwrap(redistoreGob.first).stored
        guard case .failure(let g) = SCSCodec.decode(gorilla) else { return XCTFail() }
        XCTAssertEqual(g.kind, .foreign)
        XCTAssertTrue(g.reason.contains("a gob stream of map[interface {}]interface {}"), g.reason)
        guard case .failure(let r) = RedistoreCodec.decode(try XCTUnwrap(scs.first).stored) else { return XCTFail() }
        XCTAssertEqual(r.kind, .foreign)
        guard case .failure(let bad) = RedistoreCodec.decode(Array("{\"a\":".utf8)) else { return XCTFail() }
        XCTAssertEqual(bad.kind, .broken)
    }

    func testHostileStreamsHitLimitsNotMemoryOrStack() throws {
        // type T []T, nested far deeper than the limit.
        let depth = 5000
        var value: [UInt8] = [0xff, 0x82, 0x00] + Array(repeating: 0x01, count: depth) + [0x00]
        var deep: [UInt8] = [0x0d, 0xff, 0x81, 0x02, 0x01, 0x02, 0xff, 0x82, 0x00, 0x01, 0xff, 0x82, 0x00, 0x00]
        deep[0] = UInt8(deep.count - 1)
        let enc = GobEncoder.Buffer()
        enc.uint(UInt64(value.count))
        deep += enc.bytes + value
        XCTAssertThrowsError(try GobDecoder.decode(deep)) { e in XCTAssertEqual((e as? GobError)?.kind, .limit, "\(e)") }
        value = []
        // A slice announcing more elements than bytes left.
        let huge = hex("0eff81040102ff8200011001100000") + [0x0a, 0xff, 0x82, 0x00, 0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        XCTAssertThrowsError(try GobDecoder.decode(huge))
        // A type defined twice, a value of an undefined type, a field out of range.
        XCTAssertThrowsError(try GobDecoder.decode(hex("0eff81040102ff82000110011000000eff81040102ff820001100110000003ff820000")))
        XCTAssertThrowsError(try GobDecoder.decode(hex("03ff8400")))
        XCTAssertThrowsError(try GobDecoder.decode(hex(scsPrefix + "04ff820900")))
        // A struct of many fields in a long slice: showing it is bounded, not gigabytes.
        var t = GobTypeTable()
        t.define(65, .structure(name: "Wide", fields: (0..<5000).map { GobFieldType(name: "F\($0)", type: GobBuiltin.int) }))
        t.define(66, .slice(name: "", elem: 65))
        let wide = GobDocument(types: t, rootType: 66, root: .list(Array(repeating: .structure([]), count: 5000)))
        let bytes = try GobEncoder.encode(wide)
        let doc = try GobDecoder.decode(bytes)
        XCTAssertLessThan(bytes.count, 60_000)
        var view = GobJSONView(types: doc.types, budget: 100_000)
        XCTAssertThrowsError(try view.plain(doc.root, type: doc.rootType)) { e in XCTAssertEqual((e as? GobError)?.kind, .limit) }
    }

    /// Go's view of nil: gob sends no nil pointer, empty slice or nil map in a struct, always sends
    /// a struct value, and decodes an empty slice as nil; `encoding/json` prints nil as `null`.
    func testNilPointersSlicesAndMapsShowAsNull() throws {
        var types = GobTypeTable()
        let (values, geo, strings, stringMap, place) = (65, 66, 67, 68, 69)
        types.define(values, .map(name: "", key: GobBuiltin.string, elem: GobBuiltin.interface))
        types.define(geo, .structure(name: "GeoPoint", fields: [GobFieldType(name: "Lat", type: GobBuiltin.float), GobFieldType(name: "Lng", type: GobBuiltin.float)]))
        types.define(strings, .slice(name: "", elem: GobBuiltin.string))
        types.define(stringMap, .map(name: "", key: GobBuiltin.string, elem: GobBuiltin.string))
        types.define(
            place,
            .structure(
                name: "Place",
                fields: [
                    GobFieldType(name: "Name", type: GobBuiltin.string), GobFieldType(name: "Geo", type: geo), GobFieldType(name: "Tags", type: strings),
                    GobFieldType(name: "Meta", type: stringMap), GobFieldType(name: "Raw", type: GobBuiltin.bytes), GobFieldType(name: "Count", type: GobBuiltin.int)
                ]))
        func entry(_ key: String, _ name: String, _ type: GobTypeID, _ value: GobValue) -> GobMapEntry {
            GobMapEntry(key: .string(Array(key.utf8)), value: .interface(GobInterfaceValue(name: name, type: type, value: value)))
        }
        let session = try GobSessionValues(
            types: types, mapType: values,
            entries: [
                entry("home", "main.Place", place, .structure([GobFieldValue(index: 0, value: .string(Array("home".utf8)))])),
                entry("work", "main.Place", place, .structure([GobFieldValue(index: 1, value: .structure([GobFieldValue(index: 0, value: .float(Double(48.1).bitPattern))]))])),
                entry("tags", "[]string", strings, .list([])),
                entry("raw", "[]uint8", GobBuiltin.bytes, .bytes([])),
                entry("meta", "map[string]string", stringMap, .map([]))
            ])
        let expected =
            #"{"home":{"Count":0,"Geo":null,"Meta":null,"Name":"home","Raw":null,"Tags":null},"meta":{},"raw":null,"tags":null,"#
            + #""work":{"Count":0,"Geo":{"Lat":48.1,"Lng":0},"Meta":null,"Name":"","Raw":null,"Tags":null}}"#
        let plain = try session.plainData()
        XCTAssertEqual(String(decoding: GoJSONEncoder.encode(plain), as: UTF8.self), expected)
        let typed = try session.typedData()
        XCTAssertEqual(typed["tags"], .object(JSONObject([("type", .string("[]string")), ("value", .null)])))
        XCTAssertEqual(typed["home"]?.objectValue?["value"]?.objectValue?["Geo"], .object(JSONObject([("type", .string("GeoPoint")), ("value", .null)])))
        // Unchanged, the session re-encodes to the same bytes, from plain and from typed JSON.
        let blob = try SCSCodec.encode(session, deadline: GoTime(unixMillis: 1_000))
        let back = try SCSCodec.decode(blob).get()
        XCTAssertEqual(try back.values.plainData(), plain)
        XCTAssertEqual(try SCSCodec.encode(try back.values.merged(with: plain), deadline: back.deadline), blob)
        XCTAssertEqual(try SCSCodec.encode(try back.values.replacing(withTyped: typed), deadline: back.deadline), blob)
        // null written over a pointer that was set makes it nil again: the field is not sent.
        var edited = plain
        var work = try XCTUnwrap(edited["work"]?.objectValue)
        work["Geo"] = .null
        edited["work"] = .object(work)
        let nilled = try back.values.merged(with: edited)
        let workValue = try XCTUnwrap(nilled.entries.first { $0.name == "work" }?.value)
        guard case .interface(let iv?) = workValue else { return XCTFail("\(workValue)") }
        XCTAssertEqual(iv.value, .structure([]), "no field sent: Name is empty and Geo nil")
        XCTAssertEqual(try SCSCodec.decode(try SCSCodec.encode(nilled, deadline: back.deadline)).get().values.plainData(), edited)
    }
}
