import XCTest

@testable import SessionKit

final class JSONTests: XCTestCase {
    private func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }
    private func encode(_ v: JSONValue, _ style: JSONEscapeStyle = .modern) -> String {
        String(decoding: GoJSONEncoder.encode(v, style: style), as: UTF8.self)
    }
    private func roundTrip(_ s: String) throws -> String { encode(try parse(s)) }

    func testNumberLiteralsAreKeptExactly() throws {
        for literal in [
            "18446744073709551615", "9223372036854775807", "-0", "1e+21", "1E-7", "0.10000000149011612",
            "3.141592653589793238462643383279", "100", "-42", "0.000001", "12345678901234567890123456789"
        ] {
            XCTAssertEqual(try parse(literal), .number(literal))
            XCTAssertEqual(try roundTrip("{\"n\":\(literal)}"), "{\"n\":\(literal)}")
        }
    }

    func testKeysSortByteWiseAndLastDuplicateWins() throws {
        XCTAssertEqual(try roundTrip(#"{"é":1,"b":2,"B":3,"a":4,"a":5,"_":6,"Z":7}"#), #"{"B":3,"Z":7,"_":6,"a":5,"b":2,"é":1}"#)
        // Byte order, not Unicode canonical equivalence: precomposed and decomposed é are two keys.
        var o = JSONObject()
        o["\u{E9}"] = .number("1")
        o["e\u{301}"] = .number("2")
        XCTAssertEqual(o.count, 2)
    }

    func testGoEscaping() throws {
        let v = JSONValue.string("<b>Tom & Jerry</b> \u{2028}\u{2029} \"q\" \\ \n\r\t \u{1} \u{7f} é 中 👋")
        XCTAssertEqual(encode(v), #""\u003cb\u003eTom \u0026 Jerry\u003c/b\u003e \u2028\u2029 \"q\" \\ \n\r\t \u0001 "# + "\u{7f} é 中 👋\"")
    }

    func testBackspaceAndFormFeedFollowTheSessionsStyle() throws {
        let (modern, modernStyle) = try JSONParser.parseDocument(Array(#"{"a":"x\by\f"}"#.utf8))
        XCTAssertEqual(modernStyle, .modern)
        XCTAssertEqual(encode(modern, modernStyle), #"{"a":"x\by\f"}"#)
        let (legacy, legacyStyle) = try JSONParser.parseDocument(Array(#"{"a":"x\u0008y\u000c"}"#.utf8))
        XCTAssertEqual(legacyStyle, .legacy)
        XCTAssertEqual(encode(legacy, legacyStyle), #"{"a":"x\u0008y\u000c"}"#)
        XCTAssertEqual(modern, legacy)
    }

    func testCompactOutputAndEmptyContainers() throws {
        XCTAssertEqual(try roundTrip(" { \"a\" : [ 1 , { } , [ ] , null , true , false ] } "), #"{"a":[1,{},[],null,true,false]}"#)
    }

    func testInvalidUTF8AndLoneSurrogatesBecomeReplacementCharacters() throws {
        // Each invalid byte is one U+FFFD, as Go's decoder reads it.
        var bytes = Array(#"{"a":""#.utf8) + [0xE2, 0x82, 0x41, 0xFF] + Array(#""}"#.utf8)
        XCTAssertEqual(try JSONParser.parse(bytes), .object(JSONObject([("a", .string("\u{FFFD}\u{FFFD}A\u{FFFD}"))])))
        bytes = Array(#"{"a":"\ud83d\udc4b \ud800 \udc00x"}"#.utf8)
        XCTAssertEqual(try JSONParser.parse(bytes), .object(JSONObject([("a", .string("👋 \u{FFFD} \u{FFFD}x"))])))
    }

    func testErrorsGiveByteOffsets() {
        let cases: [(String, Int, String)] = [
            (#"{"a":1"#, 6, "unexpected end of input in an object"),
            (#"{"a":tru}"#, 5, "invalid literal"),
            (#"{"a":01}"#, 6, "expected ',' or '}'"),
            (#"{"a":1,}"#, 7, "expected a string key"),
            ("{\"a\":\"x\ny\"}", 7, "control character"),
            (#"{"a":"\x"}"#, 6, "invalid escape"),
            (#"{"a":1} x"#, 8, "after the value"),
            ("", 0, "unexpected end of input"),
            ("garbage", 0, "where a value should start"),
            (#"{"a":-}"#, 5, "a digit must follow '-'"),
            (#"{"a":1.}"#, 7, "a digit must follow '.'"),
            (#"{"a":"abc"#, 9, "unexpected end of input in a string")
        ]
        for (text, offset, reason) in cases {
            XCTAssertThrowsError(try parse(text), text) { e in
                let error = e as! JSONParseError
                XCTAssertEqual(error.offset, offset, "offset for \(text): \(error)")
                XCTAssertTrue(error.reason.contains(reason), "reason for \(text): \(error.reason)")
                XCTAssertTrue(error.description.hasPrefix("invalid JSON at byte \(offset): "))
            }
        }
    }

    func testDepthAndSizeLimits() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertThrowsError(try parse(deep)) { e in XCTAssertTrue((e as! JSONParseError).reason.contains("nested deeper than 500")) }
        let ok = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        XCTAssertNoThrow(try parse(ok))
        XCTAssertThrowsError(try JSONParser.parse(Array("[1,2,3]".utf8), limits: .init(maxBytes: 4))) { e in
            XCTAssertTrue((e as! JSONParseError).reason.contains("over sessctl's limit of 4 bytes"))
        }
    }

    func testPrettyPrinterIsForPeople() throws {
        let v = try parse(#"{"b":[1,{"c":"<x>"}],"a":{},"e":[]}"#)
        XCTAssertEqual(
            JSONPrettyPrinter.format(v),
            """
            {
              "a": {},
              "b": [
                1,
                {
                  "c": "<x>"
                }
              ],
              "e": []
            }
            """)
    }
}
