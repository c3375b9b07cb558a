import SessionKit
import TestSupport
import XCTest

/// Passwords with characters special in a URL never reach the screen, and a config file holding
/// passwords that other users could change is pointed out.
final class SecretsCLITests: XCTestCase {
    private func assertHidden(_ r: SessctlRun, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(TrickyPasswords.shown(in: r.stdout + r.stderr), "\(what): \(r.stdout) \(r.stderr)", file: file, line: line)
    }

    func testBadAndUnreachableAddressesNeverShowThePassword() {
        let dir = TempDirectory()
        for password in TrickyPasswords.all {
            var addresses = [
                "redis://u:\(password)@127.0.0.1:1/0?timeout=2s", "redis+cluster://u:\(password)@127.0.0.1:1?timeout=2s",
                "redis://u:\(password)@h:notaport", "redis:/u:\(password)@h", "redis//u:\(password)@h", "u:\(password)@h",
                "redis://u:\(password)@h?prefix=a&prefix=b", "file://u:\(password)@h/d"
            ]
            // No sentinel answering takes a while: one password is enough.
            if password == TrickyPasswords.all.last { addresses.append("rediss+sentinel://u:\(password)@127.0.0.1:1/m?timeout=2s") }
            for address in addresses {
                let count = Sessctl.run(["count", "-s", address])
                XCTAssertEqual(count.status, 1, address)
                XCTAssertEqual(count.stderr.split(separator: "\n").count, 1, count.stderr)
                assertHidden(count, address)
            }
            // Other commands name the store the same way.
            assertHidden(Sessctl.run(["migrate", "--from", dir.path, "--to", addresses[0]]), "migrate --to \(addresses[0])")
            assertHidden(Sessctl.run(["import", "-s", addresses[1]], input: ""), "import -s \(addresses[1])")
        }
    }

    func testAPasswordWithSpecialCharactersWorksAndStaysHidden() throws {
        let password = "Zq7front?#@/%:Yk9back"
        let server = try RedisServer(password: password)
        defer { server.stop() }
        let base = "\(server.host):\(server.port)/0?prefix=gfsess:"
        // Only '%' needs escaping in the address, as %25.
        let good = Sessctl.run(["get", "-s", "redis://:Zq7front?#@/%25:Yk9back@\(base)", "nobody"])
        XCTAssertEqual(good.status, 3, "connected: the session is not there: \(good.stderr)")
        XCTAssertTrue(good.stderr.contains("redis://:***@"), good.stderr)
        assertHidden(good, "get of a missing session")
        let fromEnvironment = Sessctl.run(["del", "-s", "redis://\(base)", "nobody"], env: ["SESSCTL_REDIS_PASSWORD": password])
        XCTAssertEqual(fromEnvironment.status, 3, fromEnvironment.stderr)
        assertHidden(fromEnvironment, "del of a missing session")
        let wrong = Sessctl.run(["count", "-s", "redis://u:\(TrickyPasswords.all[0])@\(base)"])
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("WRONGPASS") || wrong.stderr.contains("invalid"), wrong.stderr)
        assertHidden(wrong, "a wrong password")
    }

    func testStoresListsEveryAddressWithItsPasswordHidden() throws {
        let home = TempDirectory()
        var config = ""
        for (n, password) in TrickyPasswords.all.enumerated() {
            config += "[stores.ok\(n)]\naddress = \"redis://app:\(password)@127.0.0.1:1/0?prefix=gfsess:\"\n"
            config += "[stores.broken\(n)]\naddress = \"redis//app:\(password)@h?prefix=a&prefix=b\"\n"
            config += "[stores.key\(n)]\naddress = \"file:/d?crypto-key=\(password)&ttl=1h\"\n"
        }
        try writeConfig(home, config, mode: 0o600)
        let env = ["XDG_CONFIG_HOME": home.path]
        for output in ["table", "json"] {
            let r = Sessctl.run(["stores", "-o", output], env: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("redis://app:***@127.0.0.1:1/0"), r.stdout)
            XCTAssertEqual(r.stderr, "", "a 0600 file of the user: no warning")
            assertHidden(r, "stores -o \(output)")
        }
        assertHidden(Sessctl.run(["count", "-s", "ok0"], env: env), "count -s NAME")
        assertHidden(Sessctl.run(["count", "-s", "broken0"], env: env), "count -s NAME of a broken address")
    }

    func testAConfigFileWithPasswordsThatOthersCanChangeIsPointedOut() throws {
        let home = TempDirectory()
        let env = ["XDG_CONFIG_HOME": home.path]
        let withPassword = "[stores.prod]\naddress = \"redis://app:hunter2@127.0.0.1:1/0\"\n"
        let path = try writeConfig(home, withPassword, mode: 0o600)
        XCTAssertEqual(Sessctl.run(["stores"], env: env).stderr, "")

        for (mode, expected) in [(0o620, "writable by its group (mode 620"), (0o602, "writable by others (mode 602")] {
            XCTAssertEqual(chmod(path, mode_t(mode)), 0)
            let r = Sessctl.run(["stores"], env: env)
            XCTAssertEqual(r.status, 0)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one warning, once: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("warning: \(path) holds passwords but is \(expected)"), r.stderr)
            XCTAssertTrue(Sessctl.run(["count", "-s", "prod"], env: env).stderr.contains("holds passwords"), "wherever the file is read")
        }

        XCTAssertEqual(chmod(path, 0o600), 0)
        XCTAssertEqual(chown(path, 4242, 4242), 0, "the tests run as root")
        let foreign = Sessctl.run(["stores"], env: env)
        XCTAssertTrue(foreign.stderr.contains("holds passwords but belongs to another user (uid 4242)"), foreign.stderr)

        // A file without passwords has nothing to protect.
        try writeConfig(home, "[stores.local]\naddress = \"/tmp/sessions\"\n", mode: 0o666)
        XCTAssertEqual(Sessctl.run(["stores"], env: env).stderr, "")
    }

    @discardableResult
    private func writeConfig(_ home: TempDirectory, _ text: String, mode: Int) throws -> String {
        mkdir(home.path + "/sessctl", 0o755)
        let path = home.file("sessctl/config.toml")
        unlink(path)
        home.write("sessctl/config.toml", Array(text.utf8))
        XCTAssertEqual(chmod(path, mode_t(mode)), 0)
        return path
    }
}
