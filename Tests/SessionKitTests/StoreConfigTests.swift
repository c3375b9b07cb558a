import XCTest

@testable import SessionKit

final class StoreConfigTests: XCTestCase {
    func testReadsNamedStores() throws {
        let config = try StoreConfig.parse(
            """
            # stores of the team
            default = "local"   # the one used without -s

            [stores.local]
            address = "file:/tmp/gsessions/default"
            max-age = "24h"

            [stores."prod-eu"]
            address = 'redis://app:s3cr#t@10.0.0.5:6379/0?prefix=gfsess:'
            read_only = true
            """, path: "/etc/c.toml")
        XCTAssertEqual(config.defaultName, "local")
        XCTAssertEqual(
            config.entries,
            [
                .init(name: "local", address: "file:/tmp/gsessions/default", maxAge: "24h", readOnly: false),
                .init(name: "prod-eu", address: "redis://app:s3cr#t@10.0.0.5:6379/0?prefix=gfsess:", maxAge: nil, readOnly: true)
            ])
        XCTAssertEqual(config.defaultEntry?.name, "local")
        XCTAssertEqual(try StoreConfig.parse("", path: "x").entries, [])
        XCTAssertEqual(try StoreConfig.parse(#"[stores.a]"# + "\naddress = \"a\\u00e9\\\"\"", path: "x").entries[0].address, "aé\"")
    }

    func testMalformedConfigIsOneLineNamingFileAndLine() {
        let cases: [(String, String)] = [
            ("[stores.a]\naddress = \"x\"\ncolour = \"red\"", "/c.toml:3: unknown setting 'colour'"),
            ("[stores.a]\naddress = x", "/c.toml:2: expected a quoted string or true/false"),
            ("[stores.a]\naddress = \"x", "/c.toml:2: unterminated string"),
            ("[servers.a]\naddress = \"x\"", "/c.toml:1: unknown table [servers.a]"),
            ("[stores.a]\naddress = \"x\"\n[stores.a]", "/c.toml:3: store 'a' is defined twice"),
            ("[stores.a]\nmax-age = \"soon\"", "/c.toml:2: invalid duration 'soon'"),
            ("[stores.a]\nread-only = \"yes\"", "/c.toml:2: 'read-only' must be true or false"),
            ("[stores.a]\nmax-age = \"1h\"", "/c.toml: store 'a' has no address"),
            ("default = \"b\"\n[stores.a]\naddress = \"x\"", "/c.toml: default names 'b'"),
            ("[stores.a]\naddress = \"x\" trailing", "/c.toml:2: unexpected 'trailing'"),
            ("address = \"x\"", "/c.toml:1: unknown setting 'address'")
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try StoreConfig.parse(text, path: "/c.toml"), text) { e in
                let line = String(describing: e)
                XCTAssertTrue(line.hasPrefix(expected), "\(text): \(line)")
                XCTAssertFalse(line.contains("\n"))
            }
        }
    }

    func testTopLevelAuditAndTrashSettings() throws {
        let defaults = try StoreConfig.parse("", path: "x")
        XCTAssertFalse(defaults.auditSyslog)
        XCTAssertEqual(defaults.trashMaxBytes, 1 << 30)
        XCTAssertEqual(defaults.trashMaxAgeMillis, 7 * 86_400_000)
        let config = try StoreConfig.parse(
            """
            audit-syslog = true
            trash-max-size = "500MB"
            trash-max-age = "36h"
            default = "a"
            [stores.a]
            address = "x"
            """, path: "x")
        XCTAssertTrue(config.auditSyslog)
        XCTAssertEqual(config.trashMaxBytes, 500_000_000)
        XCTAssertEqual(config.trashMaxAgeMillis, 36 * 3_600_000)
        XCTAssertEqual(config.defaultName, "a")
        for (text, bytes) in [("1GiB", Int64(1) << 30), ("1g", 1 << 30), ("1 G", 1 << 30), ("64k", 65_536), ("2KB", 2000), ("10", 10), ("7b", 7), ("3TiB", 3 << 40)] {
            XCTAssertEqual(try ByteSize.parse(text), bytes, text)
        }
        for bad in ["", "GiB", "1.5G", "-1G", "1 parsec", "99999999999999999999", "9999999999T"] {
            XCTAssertThrowsError(try ByteSize.parse(bad), bad)
        }
    }

    func testBadAuditAndTrashSettingsNameFileAndLine() {
        let cases: [(String, String)] = [
            ("audit-syslog = \"yes\"", "/c.toml:1: 'audit-syslog' must be true or false"),
            ("\ntrash-max-size = \"lots\"", "/c.toml:2: invalid size 'lots'"),
            ("trash-max-size = true", "/c.toml:1: 'trash-max-size' must be a string"),
            ("trash-max-age = \"a week\"", "/c.toml:1: invalid duration 'a week'"),
            ("audit-syslog = true\naudit-syslog = false", "/c.toml:2: 'audit-syslog' is set twice"),
            ("[stores.a]\naddress = \"x\"\naudit-syslog = true", "/c.toml:3: unknown setting 'audit-syslog'")
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try StoreConfig.parse(text, path: "/c.toml"), text) { e in
                XCTAssertTrue(String(describing: e).hasPrefix(expected), "\(text): \(e)")
            }
        }
    }

    func testConfigLocation() {
        XCTAssertEqual(StoreConfig.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]), "/x/sessctl/config.toml")
        XCTAssertEqual(StoreConfig.path(environment: ["HOME": "/h"]), "/h/.config/sessctl/config.toml")
        XCTAssertEqual(StoreConfig.path(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/h"]), "/h/.config/sessctl/config.toml")
    }
}
