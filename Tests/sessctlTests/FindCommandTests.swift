import Foundation
import SessionKit
import TestSupport
import XCTest

/// `sessctl find` on GoFrame's fixtures in every layout.
final class FindCommandTests: XCTestCase {
    private var dir: TempDirectory!
    private var server: RedisServer!

    override func setUpWithError() throws {
        dir = TempDirectory()
        Fixtures.copyFileStore("file", to: dir, now: SystemTime.nowMillis())
        server = try RedisServer()
        try server.pipe(file: Fixtures.gsession + "/redis-kv.resp")
        try server.pipe(file: Fixtures.gsession + "/redis-hash.resp")
    }

    override func tearDown() {
        server.stop()
        (dir, server) = (nil, nil)  // XCTest keeps test cases alive: free the directory now
        super.tearDown()
    }

    private var kv: String { "redis://\(server.host):\(server.port)?prefix=gfsess:" }
    private var hash: String { "redis://\(server.host):\(server.port)?prefix=gfhash:&layout=hash" }

    private func find(_ store: String, _ conditions: String..., extra: [String] = []) -> [String] {
        let r = Sessctl.run(["find", "-s", store, "-o", "ids"] + conditions.flatMap { ["--where", $0] } + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdoutLines.sorted()
    }

    func testOperatorsFindTheSameLoginsWhateverTheLayoutStores() {
        // user_id is a JSON number in the File and KV fixtures and text in the hash ones.
        XCTAssertEqual(find(dir.path, "user_id=1001"), ["1qbncq5nyf0dn0nrszi6yde1001t55av"])
        XCTAssertEqual(find(kv, "user_id=3001"), ["1qbncq5nyf0dn0nrsziy0u2h00m0gw72"])
        XCTAssertEqual(find(hash, "user_id=4001"), ["1qbncq5nyf0dn0nrszjz879s00ljlicj"])
        XCTAssertEqual(find(hash, "user_id>4001"), ["1qbncq5nyf0dn0nrszkdics1103nqr4b"])
        XCTAssertEqual(find(kv, "user_id>=3001", "user_id<3003"), ["1qbncq5nyf0dn0nrsziy0u2h00m0gw72"])
        XCTAssertEqual(find(kv, "is_admin=true"), ["1qbncq5nyf0dn0nrszjkt3xj00546ggm"])
        XCTAssertEqual(find(hash, "is_admin=true"), ["1qbncq5nyf0dn0nrszk3ohiu00pv5w58"], "a hash stores true as 1")
        XCTAssertEqual(find(kv, "last_error=null"), ["1qbncq5nyf0dn0nrszjkt3xj00546ggm"])
        XCTAssertEqual(find(hash, "last_error=null"), ["1qbncq5nyf0dn0nrszk3ohiu00pv5w58"], "and null as the empty string")
        XCTAssertEqual(find(kv, "big=9007199254740992"), ["1qbncq5nyf0dn0nrszjucs0p009y59ky"])
        XCTAssertEqual(find(kv, "big>9007199254740991.5"), ["1qbncq5nyf0dn0nrszjucs0p009y59ky"])
        XCTAssertEqual(find(kv, "big=9007199254740993"), [], "no float round-off")
        XCTAssertEqual(find(kv, "settings.theme.name=dark"), ["1qbncq5nyf0dn0nrszjorekl00k5y59p"])
        XCTAssertEqual(find(hash, "profile.geo.lat>1"), ["1qbncq5nyf0dn0nrszk6enow009rbpqo"], "JSON text in a field is walked into")
        XCTAssertEqual(find(kv, "roles.*=admin"), ["1qbncq5nyf0dn0nrsziy0u2h00m0gw72"])
        XCTAssertEqual(find(kv, "username~gr?ce"), ["1qbncq5nyf0dn0nrsziy0u2h00m0gw72"])
        XCTAssertEqual(find(kv, "username!~g*", "username exists"), [])
        XCTAssertEqual(find(kv, "remember exists"), ["1qbncq5nyf0dn0nrszjyb9br00kmrly4"])
        XCTAssertEqual(find(hash, "username exists", "user_id!=4001"), [])
        XCTAssertEqual(find(dir.path, "user_id exists").count, 3, "the expired logins stay hidden")
        XCTAssertEqual(find(dir.path, "user_id exists", extra: ["--all"]).count, 4)
        XCTAssertEqual(find(dir.path, "user_id exists", extra: ["--expired"]), ["1qbncq5nyf0dn0nrszirtnac000tp60h"])
        XCTAssertEqual(find(kv, "user_id exists", extra: ["1qbncq5nyf0dn0nrszjy*"]), ["1qbncq5nyf0dn0nrszjyb9br00kmrly4"], "an id glob")
    }

    func testOutputIsLikeListAndBadConditionsAreUsageErrors() throws {
        let json = Sessctl.run(["find", "-s", kv, "--where", "user_id exists", "-o", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        guard case .array(let rows) = try JSONParser.parse(Array(json.stdout.utf8)) else { return XCTFail(json.stdout) }
        XCTAssertEqual(rows.count, 2)
        XCTAssertNotNil(rows.first?.objectValue?["id"]?.stringValue)
        let table = Sessctl.run(["find", "-s", kv, "--where", "user_id exists"])
        XCTAssertTrue(table.stdoutLines.first?.hasPrefix("ID ") ?? false, table.stdout)
        XCTAssertEqual(table.stdoutLines.count, 3)
        XCTAssertEqual(Sessctl.run(["find", "-s", kv, "--where", "user_id exists", "--limit", "1", "-o", "ids"]).stdoutLines.count, 1)
        XCTAssertEqual(Sessctl.run(["find", "-s", kv, "--where", "user_id exists", "--limit", "0", "-o", "json"]).stdout, "[]\n")

        let bad = Sessctl.run(["find", "-s", kv, "--where", "age<old"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr, "sessctl: --where 'age<old': < compares numbers, and 'old' is not a number\n")
        XCTAssertEqual(Sessctl.run(["find", "-s", kv]).status, 64, "a condition is needed")
    }
}
