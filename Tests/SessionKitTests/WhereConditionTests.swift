import XCTest

@testable import SessionKit

/// `--where` conditions: parsing, every operator, exact numbers, and the same answers whether a
/// layout keeps value types (File, Redis-KV) or stores text (Redis-Hash).
final class WhereConditionTests: XCTestCase {
    private func data(_ json: String) -> JSONObject {
        guard case .object(let o)? = try? JSONParser.parse(Array(json.utf8)) else { fatalError("bad test JSON: \(json)") }
        return o
    }

    private func holds(_ condition: String, _ json: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        do {
            return try WhereCondition.parse(condition).matches(data(json))
        } catch {
            XCTFail("\(condition): \(error)", file: file, line: line)
            return false
        }
    }

    /// A login as a JSON layout keeps it, and the same login as GoFrame's hash layout stores it.
    private let typed = #"{"user":{"id":1001,"name":"alice","roles":["admin","dev"]},"user_id":1001,"admin":true,"note":null,"score":12.50,"big":18446744073709551615}"#
    private let hash = #"{"user":{"id":1001,"name":"alice","roles":["admin","dev"]},"user_id":"1001","admin":"1","note":"","score":"12.50","big":"18446744073709551615"}"#

    func testEqualityFindsTheSameSessionsOnEveryLayout() {
        for json in [typed, hash] {
            for c in [
                "user.id=1001", "user_id=1001", "user_id=1001.0", "user_id=1.001e3", "admin=true", "note=null",
                "score=12.5", "big=18446744073709551615", "user.name=alice", "user.name=\"alice\"",
                "user.roles.0=admin", "user.roles.*=dev", #"user={"id":1001,"name":"alice","roles":["admin","dev"]}"#,
                " user.id = 1001 "
            ] {
                XCTAssertTrue(holds(c, json), "\(c) on \(json)")
            }
            for c in [
                "user.id=1002", "user_id=10010", "user_id=100", "admin=false", "note=0", "big=18446744073709551614",
                "user.name=Alice", "user.roles.2=admin", "user.roles.*=root", "nosuch=1"
            ] {
                XCTAssertFalse(holds(c, json), "\(c) on \(json)")
            }
        }
        // A quoted operand is a string: it matches strings only.
        XCTAssertFalse(holds(#"user_id="1001""#, typed))
        XCTAssertTrue(holds(#"user_id="1001""#, hash))
        // Strings that merely look alike are not numbers.
        XCTAssertFalse(holds("user_id=1001", #"{"user_id":" 1001"}"#))
        XCTAssertFalse(holds("user_id=1001", #"{"user_id":"1001a"}"#))
        // Inside arrays and objects a value keeps its JSON type.
        XCTAssertFalse(holds(#"ids=[1,2]"#, #"{"ids":["1","2"]}"#))
    }

    func testNumbersCompareExactlyWithoutFloatingPoint() {
        // 2^53 + 1 and 2^53 are one Double; they must stay apart.
        XCTAssertFalse(holds("n=9007199254740992", #"{"n":9007199254740993}"#))
        XCTAssertTrue(holds("n>9007199254740992", #"{"n":9007199254740993}"#))
        XCTAssertTrue(holds("n<18446744073709551616", #"{"n":18446744073709551615}"#))
        XCTAssertTrue(holds("n=1000000000000000000000", #"{"n":1e+21}"#))
        XCTAssertTrue(holds("n=0", #"{"n":-0}"#))
        XCTAssertTrue(holds("n>-0.5", #"{"n":-0.25}"#))
        XCTAssertTrue(holds("n<-0.2", #"{"n":-0.25}"#))
        XCTAssertTrue(holds("n>=12.5", #"{"n":12.50}"#))
        XCTAssertTrue(holds("n<=12.5", #"{"n":"12.50"}"#), "hash fields that hold numbers compare as numbers")
        XCTAssertFalse(holds("n<100", #"{"n":"abc"}"#))
        XCTAssertFalse(holds("n<100", #"{"n":true}"#))
        XCTAssertTrue(holds("n>1e-7", #"{"n":0.000001}"#))
        XCTAssertTrue(holds("n<1E400", #"{"n":1e399}"#))
        let sorted = ["-1e3", "-2", "-1.5", "-0", "0.001", "0.01", "0.1", "1", "1.5", "2", "10", "1e2", "18446744073709551615", "1e21"]
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            XCTAssertTrue(DecimalNumber(a)! < DecimalNumber(b)!, "\(a) < \(b)")
            XCTAssertFalse(DecimalNumber(b)! < DecimalNumber(a)!, "not \(b) < \(a)")
        }
        for bad in ["", "-", "1.", ".5", "1e", "0x10", " 1", "1 ", "+1", "NaN"] { XCTAssertNil(DecimalNumber(bad), bad) }
    }

    func testNotEqualGlobAndExistence() {
        XCTAssertTrue(holds("user.name!=bob", typed))
        XCTAssertFalse(holds("user.name!=alice", typed))
        XCTAssertFalse(holds("nosuch!=1", typed), "a missing path satisfies only !exists")
        XCTAssertTrue(holds("user.name~al*", typed))
        XCTAssertTrue(holds("user.name~?lic[a-e]", typed))
        XCTAssertTrue(holds("user.name!~bo*", typed))
        XCTAssertTrue(holds("user.roles.*~ad*", typed))
        XCTAssertTrue(holds("user_id~10*", typed), "a number is matched by its text")
        XCTAssertTrue(holds("city~Z?rich", #"{"city":"Zürich"}"#), "? is one character, not one byte")
        XCTAssertTrue(holds("user exists", typed))
        XCTAssertTrue(holds("note exists", typed), "null is there")
        XCTAssertTrue(holds("user.nosuch !exists", typed))
        XCTAssertFalse(holds("user.id !exists", typed))
        XCTAssertTrue(holds(#"a\.b=1"#, #"{"a.b":1}"#), "an escaped dot is part of the key")
        XCTAssertFalse(holds(#"a.b=1"#, #"{"a.b":1}"#))
        XCTAssertTrue(holds(#"tags.\*=x"#, #"{"tags":{"*":"x"}}"#), "an escaped star is a key")
        XCTAssertTrue(holds("status=it exists", #"{"status":"it exists"}"#), "an operator comes first")
    }

    func testBadConditionsSayWhatIsWrong() {
        for (text, expected) in [
            ("user.id", "expected PATH=VALUE"), ("=1", "no path"), ("a..b=1", "empty key"),
            ("n<abc", "not a number"), ("n>", "not a number"), ("", "expected"),
            ("a==1", "'==' is not an operator"), ("a = =1", "'==' is not an operator")
        ] {
            XCTAssertThrowsError(try WhereCondition.parse(text), text) { error in
                let message = (error as? SessionError)?.description ?? ""
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
                XCTAssertTrue(message.hasPrefix("--where"), message)
            }
        }
        XCTAssertNoThrow(try WhereCondition.parse("x="), "an empty operand is the empty string")
        XCTAssertTrue(holds("x=", #"{"x":""}"#))
    }

    func testSeveralConditionsAllHold() throws {
        let filter = try SessionFilter(parsing: ["user.id=1001", "admin=true"])
        XCTAssertTrue(filter.matches(data(typed)))
        XCTAssertFalse(filter.matches(data(#"{"user":{"id":1001},"admin":false}"#)))
    }

    func testGlobs() {
        let cases: [(String, String, Bool)] = [
            ("*", "", true), ("a*", "abc", true), ("*c", "abc", true), ("a*c", "ac", true), ("a*b*c", "axxbyyc", true),
            ("a?c", "abc", true), ("a?c", "ac", false), ("[abc]x", "bx", true), ("[!abc]x", "bx", false), ("[^a]x", "bx", true),
            ("[a-c]", "d", false), (#"\*"#, "*", true), (#"\*"#, "a", false), ("[", "[", true), ("a*", "b", false),
            ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)
        ]
        for (pattern, text, expected) in cases {
            XCTAssertEqual(Glob.matches(pattern, text), expected, "\(pattern) ~ \(text)")
        }
    }
}
