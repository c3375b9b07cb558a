import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

/// `PHPSessionCodec` on values PHP 8.2 wrote (copied from `serialize()` output), and `layout=php`
/// through the store conformance suite.
final class PHPSessionCodecTests: RedisTestCase {
    func testConformance() throws {
        let s = try startServer(extraArgs: ["--databases", "64"])
        var db = 0
        for serializer in ["php", "php_serialize"] {
            try StoreConformance(makeStore: {
                db += 1
                let c = try RedisConnection(RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db))
                _ = try c.command("SET", "pX:alpha1", "decoy|i:1;")
                var options = RedisStoreOptions(
                    connection: RedisConnectOptions(endpoint: .tcp(host: s.host, port: s.port), db: db, timeout: 2000), prefix: "p*[:]")
                options.serializer = serializer
                return try RedisStore(options: options, layout: .php, displayName: "php-test", clock: .system)
            }).run()
        }
    }

    private func decode(_ text: String) throws -> PHPSessionCodec.Decoded {
        try PHPSessionCodec.decode(Array(text.utf8)).get()
    }

    private func encode(_ data: JSONObject, _ format: PHPSessionCodec.Format, previous: PHPSessionCodec.Decoded? = nil) throws -> String {
        String(decoding: try PHPSessionCodec.encode(data, format: format, previous: previous), as: UTF8.self)
    }

    func testFloatsAreWrittenAsPHPsSerializeWritesThem() {
        let php: [(Double, String)] = [
            (0.1, "0.1"), (1.0, "1"), (-0.0, "-0"), (1e25, "1.0E+25"), (1e15, "1000000000000000"), (1e16, "10000000000000000"),
            (1e17, "1.0E+17"), (0.0001, "0.0001"), (0.00001, "1.0E-5"), (1.5e-7, "1.5E-7"), (123456789012345678.0, "1.2345678901234568E+17"),
            (0.30000000000000004, "0.30000000000000004"), (2.5e300, "2.5E+300"), (.infinity, "INF"), (-.infinity, "-INF"), (.nan, "NAN")
        ]
        for (d, text) in php { XCTAssertEqual(PHPFloat.text(d), text) }
    }

    func testBothSerializersAreToldApartAndReadTheSame() throws {
        let php = try decode(#"user_id|i:42;name|s:6:"héllo";f|d:1;l|a:2:{i:0;b:1;i:1;N;}m|a:1:{i:5;s:1:"x";}"#)
        let ser = try decode(#"a:5:{s:7:"user_id";i:42;s:4:"name";s:6:"héllo";s:1:"f";d:1;s:1:"l";a:2:{i:0;b:1;i:1;N;}s:1:"m";a:1:{i:5;s:1:"x";}}"#)
        XCTAssertEqual(php.format, .php)
        XCTAssertEqual(ser.format, .phpSerialize)
        XCTAssertEqual(php.data, ser.data)
        XCTAssertEqual(php.data["f"], .number("1.0"))
        XCTAssertEqual(php.data["l"], .array([.bool(true), .null]))
        XCTAssertEqual(php.data["m"], .object(JSONObject([("5", .string("x"))])))
    }

    func testAChangeKeepsTheOtherValuesBytesAndTheKeyOrder() throws {
        let text = #"z|d:1;a|O:1:"U":1:{s:4:"\#0*\#0b";d:0.10;}m|i:1;"#
        let old = try decode(text)
        XCTAssertEqual(try encode(old.data, .php, previous: old), text, "unchanged: byte for byte")
        var data = old.data
        data["m"] = .number("2")
        data["new"] = .string("é")
        XCTAssertEqual(try encode(data, .php, previous: old), #"z|d:1;a|O:1:"U":1:{s:4:"\#0*\#0b";d:0.10;}m|i:2;new|s:2:"é";"#)
        data["z"] = .number("2.50")
        XCTAssertTrue(try encode(data, .php, previous: old).hasPrefix("z|d:2.5;"))
    }

    func testWhatPHPCannotReadBackIsRefused() throws {
        var data = JSONObject()
        data["a|b"] = .number("1")
        XCTAssertThrowsError(try encode(data, .php))
        XCTAssertEqual(try encode(data, .phpSerialize), #"a:1:{s:3:"a|b";i:1;}"#)
        data = JSONObject()
        data["big"] = .number("1e400")
        XCTAssertThrowsError(try encode(data, .php))
        data = JSONObject()
        data["r"] = .object(JSONObject([("$reference", .string("R:5"))]))
        XCTAssertThrowsError(try encode(data, .php), "a reference to nothing")
    }

    func testBrokenAndForeignValues() {
        for broken in [#"a|s:5:"ab"#, #"a:1:{s:1:"x";"#, "a|i:99999999999999999999;", "a|b:2;", "a|r:1;", "x|a:1:{i:0;R:9;}"] {
            guard case .failure(let p) = PHPSessionCodec.decode(Array(broken.utf8)) else { return XCTFail(broken) }
            XCTAssertEqual(p.kind, .broken, broken)
        }
        for foreign in ["hello", #"{"a":1}"#, "x|y"] {
            guard case .failure(let p) = PHPSessionCodec.decode(Array(foreign.utf8)) else { return XCTFail(foreign) }
            XCTAssertEqual(p.kind, .foreign, foreign)
        }
        XCTAssertEqual(try? PHPSessionCodec.decode([]).get().data, JSONObject())
    }
}
