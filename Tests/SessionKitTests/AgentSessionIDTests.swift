import XCTest

@testable import SessionKit

final class AgentSessionIDTests: XCTestCase {
    func testEveryIdSurvivesTheRoundTripThroughItsText() throws {
        let ids = [
            AgentSessionID(app: "chat", user: "u42", session: "3f2b6c1e-8a4d-4b7e-9c1a-2d5e6f708192"),
            AgentSessionID(app: "agent:prod", user: "用户:1/x", session: "sess/2026:1#a"),
            AgentSessionID(app: "a%b", user: "%2F", session: "tab\there\u{7f}/"),
            AgentSessionID(app: "{x}", user: "*?[]\\", session: " spaced ")
        ]
        for id in ids {
            XCTAssertEqual(try AgentSessionID(parsing: id.text), id, id.text)
            XCTAssertEqual(id.text.split(separator: "/", omittingEmptySubsequences: false).count, 3, id.text)
            XCTAssertFalse(id.text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, id.text)
        }
        XCTAssertEqual(ids[1].text, "agent:prod/用户:1%2Fx/sess%2F2026:1#a")
    }

    func testEvilIdsAreRefusedWithTheReason() {
        for (text, reason) in [
            ("", "APP/USER/SID"), ("chat/u42", "APP/USER/SID"), ("a/b/c/d", "APP/USER/SID"), ("/u/s", "app name is empty"), ("a//s", "user id is empty"),
            ("a/u/", "session id is empty"), ("a/u/%", "%"), ("a/u/%zz", "%"), ("a/u/%ff", "UTF-8"), ("a/u/%00", "NUL"),
            (String(repeating: "x", count: 70_000) + "/u/s", "longer")
        ] {
            XCTAssertThrowsError(try AgentSessionID(parsing: text)) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text.prefix(40)): \(error)")
            }
        }
    }

    func testTheGlobOfAnAppAndUserMatchesTheirSessionsOnly() {
        let glob = AgentSessionID.glob(app: "agent:prod", user: "用户:1/x")!
        XCTAssertTrue(Glob.matches(glob, AgentSessionID(app: "agent:prod", user: "用户:1/x", session: "s/1").text))
        XCTAssertFalse(Glob.matches(glob, AgentSessionID(app: "agent:prod", user: "用户:1/y", session: "s").text))
        XCTAssertFalse(Glob.matches(AgentSessionID.glob(app: "a*", user: nil)!, "abc/u/s"))
        XCTAssertTrue(Glob.matches(AgentSessionID.glob(app: nil, user: "u")!, "any/u/s"))
        XCTAssertNil(AgentSessionID.glob(app: nil, user: nil))
        // The store reads the literal app and user back out of the glob.
        let parts = AgentStore.PatternParts(glob)
        XCTAssertEqual(parts.app, "agent:prod")
        XCTAssertEqual(parts.user, "用户:1/x")
        XCTAssertNil(AgentStore.PatternParts("chat/u*/x").user)
    }

    func testStateValuesShowAsJSONTextOrMarkedBase64AndGoBackToTheirBytes() throws {
        let cases: [([UInt8]?, JSONValue)] = [
            (Array("\"cats\"".utf8), .string("cats")), (Array("{\"a\":1}".utf8), .object(JSONObject([("a", .number("1"))]))),
            (Array("plain text".utf8), .string("plain text")), ([], .string("")), (nil, .null),
            ([0x00, 0xff, 0x80, 0xfe], .object(JSONObject([(AgentStateValue.base64Marker, .string("AP+A/g=="))])))
        ]
        for (bytes, shown) in cases {
            XCTAssertEqual(AgentStateValue.decode(bytes), shown)
            XCTAssertEqual(try AgentStateValue.encode(shown, previous: bytes), bytes)
        }
        // A new string is stored as JSON text; a string over plain text stays plain text.
        XCTAssertEqual(try AgentStateValue.encode(.string("dogs"), previous: nil), Array("\"dogs\"".utf8))
        XCTAssertEqual(try AgentStateValue.encode(.string("dogs"), previous: Array("cats".utf8)), Array("dogs".utf8))
        XCTAssertThrowsError(try AgentStateValue.encode(.object(JSONObject([(AgentStateValue.base64Marker, .string("!!"))])), previous: nil))
    }
}
