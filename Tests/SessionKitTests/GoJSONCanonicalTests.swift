import TestSupport
import XCTest

@testable import SessionKit

/// `GoJSONCanonical` must say "canonical" exactly when parsing and writing the text again gives
/// the same bytes: a store passes such text on unparsed.
final class GoJSONCanonicalTests: XCTestCase {
    /// The definition: the bytes are a JSON object that reads and writes back unchanged.
    private func oracle(_ bytes: [UInt8]) -> Bool {
        guard let (value, style) = try? JSONParser.parseDocument(bytes), case .object = value else { return false }
        return GoJSONEncoder.encode(value, style: style) == bytes
    }

    private func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let verdict = bytes.withUnsafeBufferPointer { GoJSONCanonical.check($0) }
        XCTAssertEqual(verdict != nil, oracle(bytes), String(decoding: bytes, as: UTF8.self), file: file, line: line)
        if let verdict, case .object(let o)? = try? JSONParser.parse(bytes) {
            XCTAssertEqual(verdict.members, o.count, file: file, line: line)
            XCTAssertEqual(verdict.style, try JSONParser.parseDocument(bytes).style, file: file, line: line)
        }
    }

    func testHandPickedTexts() {
        let texts: [String] = [
            #"{}"#, #"{"a":1}"#, #"{"a":1,"b":[true,false,null,{"c":"d"}],"e":{}}"#, #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#,
            #"{ "a":1}"#, #"{"a" :1}"#, #"{"a":1 }"#, #"{"a":[1, 2]}"#, "{\"a\":1}\n", #"[1]"#, #""x""#, #"{"a":01}"#,
            #"{"a":"\u003cb\u003e"}"#, #"{"a":"<b>"}"#, #"{"a":"\u003Cb"}"#, #"{"a":"\/"}"#, #"{"a":"/"}"#, #"{"a":"\u0041"}"#,
            #"{"a":"\n\r\t\"\\"}"#, #"{"a":"\u000a"}"#, #"{"a":"\b\f"}"#, #"{"a":"\u0008\u000c"}"#, #"{"a":"\b\u000c"}"#,
            #"{"a":"\u0001\u001f"}"#, #"{"a":"\u2028\u2029"}"#, "{\"a\":\"\u{2028}\"}", #"{"a":"\ud83d\udc4b"}"#, "{\"a\":\"👋é\"}",
            #"{"a":"&"}"#, #"{"a":"\u0026"}"#, #"{"\u003c":1,"=":2}"#, #"{"=":1,"\u003c":2}"#, #"{"a\u0000":1,"a":2}"#,
            #"{"a":1,"a\u0000":2}"#, #"{"n":-0,"m":1e+21,"o":1E-7}"#, #"{"m":1e+21,"n":-0,"o":1E-7}"#, #"{"a":1e}"#, #"{"a":tru}"#,
            #"{"a":"unterminated}"#, #"{"a":1,}"#, #"{,}"#, #"{"a"}"#, "{\"\u{7f}\":1}"
        ]
        for t in texts { check(Array(t.utf8)) }
        check([UInt8(ascii: "{"), UInt8(ascii: "\""), 0xff, UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: "1"), UInt8(ascii: "}")])
    }

    func testGoFramesOwnTexts() {
        for e in Fixtures.sessions where e.backend != "hash" {
            if let bytes = e.gfReencoded { check(bytes) }
        }
        let dir = Fixtures.gsession + "/file/"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
            if let bytes = FileManager.default.contents(atPath: dir + name), bytes.count > 8 { check(Array(bytes.dropFirst(8))) }
        }
    }

    func testASessionKeepsItsTextUntilItsDataChanges() throws {
        let dir = TempDirectory()
        let body = Array(#"{"a":[1,"x"],"b":"\u003c"}"#.utf8)
        dir.write("s1.session", GSessionFileCodec.header(SystemTime.nowMillis()) + body)
        dir.write("s2.session", GSessionFileCodec.header(SystemTime.nowMillis()) + Array(#"{"b":1, "a":2}"#.utf8))
        let store = try FileStore(directory: dir.path)
        guard case .found(var s1) = try store.load("s1"), case .found(let s2) = try store.load("s2") else { return XCTFail("both load") }
        XCTAssertEqual(s1.canonicalJSON.map(Array.init), body, "kept as read")
        XCTAssertEqual(s1.keyCount, 2)
        XCTAssertEqual(s1.data["b"], .string("<"), "and reads as it parses")
        XCTAssertNil(s2.canonicalJSON, "not as Go writes it: parsed")
        XCTAssertEqual(s2.data.keys, ["a", "b"])
        s1.data["c"] = .null
        XCTAssertNil(s1.canonicalJSON, "changed: the text no longer says it")
        try store.save(SessionWrite(s1, mode: .update))
        XCTAssertEqual(Array(dir.read("s1.session")!.dropFirst(8)), Array(#"{"a":[1,"x"],"b":"\u003c","c":null}"#.utf8))
    }

    /// Random values as Go writes them, then damaged at random: the verdict always matches.
    func testRandomTextsAndDamage() {
        var rng = SplitMix(seed: 0x5e55_c71)
        let pieces: [[UInt8]] = [" ", "\\u0041", "\\/", "<", "\\u003C", "\\b", "\\u0008", "\u{2028}", "\"", ",", "}", "0", "é", "\\u0000"].map { Array($0.utf8) }
        for round in 0..<3000 {
            let value = randomObject(&rng, depth: 0)
            let style: JSONEscapeStyle = rng.next() % 2 == 0 ? .modern : .legacy
            var bytes = GoJSONEncoder.encode(.object(value), style: style)
            check(bytes)
            if round % 2 == 0 {
                let at = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes.insert(contentsOf: pieces[Int(rng.next() % UInt64(pieces.count))], at: at)
                case 1: bytes.remove(at: at)
                default: bytes.swapAt(at, Int(rng.next() % UInt64(bytes.count)))
                }
                check(bytes)
            }
        }
    }

    private func randomString(_ rng: inout SplitMix) -> String {
        let alphabet: [String] = ["a", "b", "Z", "_", "<", ">", "&", "\"", "\\", "\n", "\u{8}", "\u{c}", "\u{1}", "\u{7f}", "é", "中", "👋", "\u{2028}", "/", " "]
        return (0..<Int(rng.next() % 6)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
    }

    private func randomValue(_ rng: inout SplitMix, depth: Int) -> JSONValue {
        switch rng.next() % (depth > 2 ? 5 : 7) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .number(["0", "-0", "12.5", "1e+21", "18446744073709551615", "3"][Int(rng.next() % 6)])
        case 3, 4: return .string(randomString(&rng))
        case 5: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default: return .object(randomObject(&rng, depth: depth + 1))
        }
    }

    private func randomObject(_ rng: inout SplitMix, depth: Int) -> JSONObject {
        JSONObject((0..<Int(rng.next() % 5)).map { _ in (randomString(&rng), randomValue(&rng, depth: depth)) })
    }
}

/// A small deterministic random number generator for repeatable tests.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
