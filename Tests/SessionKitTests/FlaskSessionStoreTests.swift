import Foundation
import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `layout=flask-session` as a store (the conformance suite, msgpack and JSON) and its codecs:
/// msgpack exactly as msgspec writes it, pickles read without running anything.
final class FlaskSessionStoreTests: RedisTestCase {
    private func store(_ s: RedisServer, json: Bool, prefix: String, db: Int) throws -> RedisStore {
        var options = RedisStoreOptions(
            connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: prefix)
        options.serializer = json ? "json" : nil
        return try RedisStore(options: options, layout: .flaskSession, displayName: "flask-test", clock: .system)
    }

    func testConformance() throws {
        let s = try startServer(extraArgs: ["--databases", "64"])
        var db = 0
        for json in [false, true] {
            try StoreConformance(makeStore: {
                db += 1
                let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
                _ = try c.command("SET", "sX:alpha1", "decoy")
                return try self.store(s, json: json, prefix: "s*[:]", db: db)
            }).run()
        }
    }

    private func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    private func msgpack(_ json: String) throws -> String {
        var out: [UInt8] = []
        try MsgPack.encode(try JSONParser.parse(Array(json.utf8)), into: &out)
        return hex(out)
    }

    /// The bytes msgspec 0.23 wrote for these (python -c "msgspec.msgpack.encode(v).hex()").
    func testMsgpackIsWhatMsgspecWrites() throws {
        let cases: [(String, String)] = [
            ("1", "01"), ("127", "7f"), ("128", "cc80"), ("255", "ccff"), ("256", "cd0100"), ("-1", "ff"), ("-32", "e0"),
            ("-33", "d0df"), ("-128", "d080"), ("-129", "d1ff7f"), ("2147483648", "ce80000000"),
            ("9223372036854775808", "cf8000000000000000"), ("1.5", "cb3ff8000000000000"), ("true", "c3"), ("null", "c0"),
            ("[1]", "9101"), (#"{"k":"é"}"#, "81a16ba2c3a9"), (#"{"$base64":"YWI="}"#, "c4026162"),
            ("\"" + String(repeating: "a", count: 32) + "\"", "d920" + String(repeating: "61", count: 32))
        ]
        for (json, bytes) in cases {
            XCTAssertEqual(try msgpack(json), bytes, json)
            XCTAssertEqual(try MsgPack.decode(Array(try hexBytes(bytes))[...]), try JSONParser.parse(Array(json.utf8)), json)
        }
        XCTAssertThrowsError(try msgpack("18446744073709551616"))
    }

    private func hexBytes(_ s: String) throws -> [UInt8] {
        let c = Array(s.utf8)
        return try stride(from: 0, to: c.count, by: 2).map { i in try XCTUnwrap(UInt8(String(decoding: c[i..<i + 2], as: UTF8.self), radix: 16)) }
    }

    /// {'a': [1, (True, None)], 'b': b'\x00', 'c': 1.5, 'd': -2**40, 'é': 'x'} as protocol 5 writes it.
    func testPickleReadsBasicTypesAndRefusesTheRest() throws {
        let expected = try JSONParser.parse(Array(#"{"a":[1,[true,null]],"b":{"$base64":"AA=="},"c":1.5,"d":-1099511627776,"é":"x"}"#.utf8))
        // Built by hand from the opcodes: PROTO 5, EMPTY_DICT, MARK, SHORT_BINUNICODE keys, values, SETITEMS, STOP.
        var b: [UInt8] = [0x80, 0x05, 0x7d, 0x94, 0x28]
        func str(_ s: String) { b += [0x8c, UInt8(s.utf8.count)] + Array(s.utf8) + [0x94] }
        str("a"); b += [0x5d, 0x94, 0x28, 0x4b, 0x01, 0x88, 0x4e, 0x86, 0x94, 0x65]
        str("b"); b += [0x43, 0x01, 0x00, 0x94]
        str("c"); b += [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        str("d"); b += [0x8a, 0x06, 0, 0, 0, 0, 0x00, 0xff]
        str("é"); str("x")
        b += [0x75, 0x2e]
        let entries = try XCTUnwrap(try PickleReader.dictEntries(b[...]))
        XCTAssertEqual(.object(JSONObject(entries.map { ($0.key, $0.value) })), expected)
        // A global (what runs code) is named and refused.
        let evil: [UInt8] = [0x80, 0x04, 0x63] + Array("os\nsystem\n".utf8) + [0x2e]
        XCTAssertThrowsError(try PickleReader.dictEntries(evil[...])) { XCTAssertTrue("\($0)".contains("unsupported pickle opcode GLOBAL"), "\($0)") }
        XCTAssertThrowsError(try PickleReader.dictEntries(b.dropLast(3)))
    }
}
