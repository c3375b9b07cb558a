import RedisClient
import TestSupport
import XCTest

@testable import SessionKit

final class StoreAddressTests: XCTestCase {
    private func fileParts(_ text: String, env: [String: String] = [:]) throws -> (String, FileStore.Options) {
        guard case let .file(dir, options) = try StoreAddress.parse(text, environment: env).kind else { throw XCTSkip("not a file store") }
        return (dir, options)
    }

    func testFileForms() throws {
        XCTAssertEqual(try fileParts("file:/tmp/gsessions/default").0, "/tmp/gsessions/default")
        XCTAssertEqual(try fileParts("file:./dir").0, "./dir")
        XCTAssertEqual(try fileParts("file:///var/x").0, "/var/x")
        XCTAssertEqual(try fileParts("file://localhost/var/x").0, "/var/x")
        XCTAssertEqual(try fileParts("/srv/sessions").0, "/srv/sessions")
        XCTAssertEqual(try fileParts("relative/dir").0, "relative/dir")
        XCTAssertEqual(try fileParts("file:~/s", env: ["HOME": "/home/op"]).0, "/home/op/s")
        XCTAssertEqual(try fileParts("file:/my%20dir").0, "/my dir")
    }

    func testFileOptions() throws {
        let (_, o) = try fileParts("file:/d?ttl=2h&ext=&encrypted=true")
        XCTAssertEqual(o.maxAgeMillis, 7_200_000)
        XCTAssertEqual(o.fileExtension, "")
        XCTAssertEqual(o.cipher?.key, GSessionCipher.defaultKey)
        let (_, own) = try fileParts("file:/d?crypto-key=0123456789abcdef")
        XCTAssertEqual(own.cipher?.key, Array("0123456789abcdef".utf8))
        XCTAssertEqual(try fileParts("/d").1.maxAgeMillis, 86_400_000)
        XCTAssertEqual(try fileParts("/d").1.fileExtension, ".session")
        guard case let .file(_, o2) = try StoreAddress.parse("file:/d?ttl=2h", maxAgeMillis: 60_000).kind else { return XCTFail() }
        XCTAssertEqual(o2.maxAgeMillis, 60_000, "--max-age wins over ttl=")
    }

    func testDefaultIsGoFramesDirectory() {
        XCTAssertEqual(StoreAddress.defaultAddress(environment: [:]), "file:/tmp/gsessions/default")
        XCTAssertEqual(StoreAddress.defaultAddress(environment: ["TMPDIR": "/var/tmp/"]), "file:/var/tmp/gsessions/default")
    }

    func testBadAddressesAreOneClearLine() {
        let cases: [(String, String)] = [
            ("", "empty"), ("ftp://x", "unknown scheme 'ftp:'"), ("file:/d?color=red", "unknown option 'color'"),
            ("file:/d?ttl=soon", "invalid duration"), ("file:/d?crypto-key=short", "16, 24 or 32 bytes"),
            ("file://otherhost/d", "cannot name a host"), ("memory:", "inside the app process"), ("file:/d?encrypted=maybe", "true or false")
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try StoreAddress.parse(text), text) { e in
                let message = String(describing: e)
                XCTAssertTrue(message.contains(expected), "\(text): \(message)")
                XCTAssertFalse(message.contains("\n"))
            }
        }
    }

    func testSecretsAreNeverShown() throws {
        XCTAssertEqual(StoreAddress.redacted("redis://bob:hunter2@h:6379/0"), "redis://bob:***@h:6379/0")
        XCTAssertEqual(StoreAddress.redacted("file:/d?crypto-key=0123456789abcdef&ttl=1h"), "file:/d?crypto-key=***&ttl=1h")
        let address = try StoreAddress.parse("file:/d?crypto-key=0123456789abcdef")
        XCTAssertFalse(address.displayName.contains("0123456789abcdef"))
        XCTAssertThrowsError(try StoreAddress.parse("file:/d?crypto-key=secretsecret&bogus=1")) { e in
            XCTAssertFalse(String(describing: e).contains("secretsecret"))
        }
    }

    func testPasswordsWithURLSpecialCharactersAreHiddenWhetherOrNotTheAddressParses() {
        for password in TrickyPasswords.all {
            let addresses = [
                "redis://u:\(password)@h:1/0?prefix=p:", "redis://:\(password)@h", "rediss://u:\(password)@h:notaport",
                "redis://u:\(password)@[::1", "redis://u:\(password)@h?colour=red", "redis://u:\(password)@h?prefix=a&prefix=b",
                "redis://u:\(password)@h/0?prefix=x@y", "redis:/u:\(password)@h", "redis//u:\(password)@h", "u:\(password)@h",
                "ftp://u:\(password)@h", "memory://u:\(password)@h", "file://u:\(password)@h/d", "redis+unix://u:\(password)@",
                "redis+sentinel://s/m?sentinel-password=\(password)&bogus", "redis+sentinel://s/m?sentinel-password=\(password)&prefix=p",
                "file:/d?crypto-key=\(password)", "file:/d?crypto-key=\(password)&ttl=1h&ttl=2h", "redis://h?password=\(password)"
            ]
            for text in addresses {
                XCTAssertFalse(TrickyPasswords.shown(in: StoreAddress.redacted(text)), StoreAddress.redacted(text))
                do {
                    let shown = try StoreAddress.parse(text).displayName
                    XCTAssertFalse(TrickyPasswords.shown(in: shown), "\(text) shown as \(shown)")
                } catch {
                    XCTAssertFalse(TrickyPasswords.shown(in: "\(error)"), "\(text): \(error)")
                }
            }
        }
    }

    func testPasswordsNeedNoEscapingAndSecretsRunToTheNextOption() throws {
        for password in ["pa?ss", "pa#ss", "p@ss", "pa/ss", "pa:ss", "pa ss", "pa&ss=1", "pässwörd"] {
            let (o, _, shown) = try redisParts("redis://u:\(password)@h:7/2?prefix=p:")
            XCTAssertEqual(o.connection.password, password)
            XCTAssertEqual(o.connection.endpoint, .tcp(host: "h", port: 7))
            XCTAssertEqual(o.prefix, "p:")
            XCTAssertEqual(shown, "redis://u:***@h:7/2?prefix=p:&layout=kv")
        }
        XCTAssertEqual(try redisParts("redis://u:p@h/0?prefix=x%40y").0.prefix, "x@y", "an @ in an option is written %40")
        XCTAssertThrowsError(try StoreAddress.parse("redis://h/0?prefix=x@y")) { XCTAssertTrue("\($0)".contains("%40"), "\($0)") }
        let (sentinel, _, _) = try redisParts("redis+sentinel://s/m?sentinel-password=a&b=c&prefix=p")
        XCTAssertEqual(sentinel.deployment, .sentinel(RedisSentinelSettings(sentinels: [.tcp(host: "s", port: 26379)], masterName: "m", password: "a&b=c")))
        XCTAssertEqual(sentinel.prefix, "p")
        XCTAssertEqual(try fileParts("file:/d?crypto-key=0123456789&bcdef&ttl=1h").1.cipher?.key, Array("0123456789&bcdef".utf8))
        XCTAssertEqual(StoreAddress.redacted("file:/d?crypto-key=0123456789&bcdef&ttl=1h"), "file:/d?crypto-key=***&ttl=1h")
    }

    func testEveryOptionAParserKnowsEndsASecret() {
        for text in ["file:/d?bogus=1", "redis+sentinel://s/m?bogus=1"] {
            XCTAssertThrowsError(try StoreAddress.parse(text)) { e in
                guard let list = "\(e)".split(separator: "(known: ").last?.dropLast() else { return XCTFail("\(e)") }
                for name in list.split(separator: ", ") {
                    XCTAssertTrue(StoreAddress.knownOptions.contains(name), "\(name)")
                    XCTAssertEqual(StoreAddress.queryItems("crypto-key=k&\(name)=1").map(\.name), ["crypto-key", name])
                }
            }
        }
    }

    func testAnOptionGivenTwiceIsRefused() {
        for (text, expected) in [
            ("redis://h?prefix=a:&prefix=b:", "prefix= is given twice"), ("redis://h?ttl=1h&max-age=2h", "ttl= and max-age= are the same option"),
            ("file:/d?ext=&ext=.s", "ext= is given twice"), ("rediss://h?ca=/a&cacert=/b", "ca= and cacert=")
        ] {
            XCTAssertThrowsError(try StoreAddress.parse(text), text) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(text): \(e)")
            }
        }
    }

    func testDurations() throws {
        XCTAssertEqual(try Durations.parse("90"), 90_000)
        XCTAssertEqual(try Durations.parse("1h30m"), 5_400_000)
        XCTAssertEqual(try Durations.parse("7d"), 604_800_000)
        XCTAssertEqual(try Durations.parse("250ms"), 250)
        XCTAssertEqual(try Durations.parse("0"), 0)
        for bad in ["", "h", "1x", "-5", "1.5h", "99999999999999999999"] {
            XCTAssertThrowsError(try Durations.parse(bad), bad)
        }
        XCTAssertEqual(Durations.format(millis: 86_399_000), "23h59m")
        XCTAssertEqual(Durations.format(millis: 3 * 86_400_000 + 3_600_000), "3d1h")
        XCTAssertEqual(Durations.format(millis: 86_400_000), "1d")
        XCTAssertEqual(Durations.format(millis: 42_000), "42s")
        XCTAssertEqual(Durations.rfc3339(millis: 1_795_240_858_532), "2026-11-21T06:00:58.532Z")
    }

    // MARK: Redis

    private func redisParts(_ text: String, env: [String: String] = [:]) throws -> (RedisStoreOptions, SessionLayout, String) {
        let address = try StoreAddress.parse(text, environment: env)
        guard case let .redis(options, layout) = address.kind else { throw XCTSkip("not a Redis store") }
        return (options, layout, address.displayName)
    }

    func testRedisForms() throws {
        var (o, layout, shown) = try redisParts("redis://cache.internal")
        XCTAssertEqual(o.connection.endpoint, .tcp(host: "cache.internal", port: 6379))
        XCTAssertEqual(o.connection.db, 0)
        XCTAssertEqual(o.prefix, "")
        XCTAssertEqual(layout, .kv)
        XCTAssertEqual(o.connection.timeout, 5_000)
        XCTAssertEqual(o.defaultLifetimeMillis, 86_400_000)
        XCTAssertNil(o.connection.password)
        XCTAssertEqual(shown, "redis://cache.internal:6379/0?layout=kv")

        (o, layout, shown) = try redisParts("redis://bob:p%40ss%2Fw@10.0.0.5:6380/3?prefix=gfsess:&layout=hash&timeout=500ms&ttl=2h")
        XCTAssertEqual(o.connection.endpoint, .tcp(host: "10.0.0.5", port: 6380))
        XCTAssertEqual(o.connection.username, "bob")
        XCTAssertEqual(o.connection.password, "p@ss/w")
        XCTAssertEqual(o.connection.db, 3)
        XCTAssertEqual(o.prefix, "gfsess:")
        XCTAssertEqual(layout, .hash)
        XCTAssertEqual(o.connection.timeout, 500)
        XCTAssertEqual(o.defaultLifetimeMillis, 7_200_000)
        XCTAssertEqual(shown, "redis://bob:***@10.0.0.5:6380/3?prefix=gfsess:&layout=hash")

        (o, _, shown) = try redisParts("redis://[::1]:7000/1", env: ["SESSCTL_REDIS_PASSWORD": "from-env"])
        XCTAssertEqual(o.connection.endpoint, .tcp(host: "::1", port: 7000))
        XCTAssertEqual(o.connection.password, "from-env")
        XCTAssertEqual(shown, "redis://:***@[::1]:7000/1?layout=kv")
        XCTAssertEqual(try redisParts("redis://:inline@h", env: ["SESSCTL_REDIS_PASSWORD": "env"]).0.connection.password, "inline")

        (o, _, shown) = try redisParts("redis+unix:///run/redis/redis.sock?db=2&prefix=a%26b")
        XCTAssertEqual(o.connection.endpoint, .unix(path: "/run/redis/redis.sock"))
        XCTAssertEqual(o.connection.db, 2)
        XCTAssertEqual(o.prefix, "a&b")
        XCTAssertEqual(shown, "redis+unix:///run/redis/redis.sock?db=2&prefix=a&b&layout=kv")
        guard case let .redis(withMaxAge, _) = try StoreAddress.parse("redis://h?ttl=2h", maxAgeMillis: 60_000).kind else { return XCTFail() }
        XCTAssertEqual(withMaxAge.defaultLifetimeMillis, 60_000, "--max-age wins over ttl=")
    }

    func testGoFrameworkLayoutsTakeTheirFrameworksDefaults() throws {
        var (o, layout, shown) = try redisParts("redis://h?layout=scs")
        XCTAssertEqual(layout, .scs)
        XCTAssertEqual(o.prefix, "scs:session:")
        XCTAssertEqual(o.defaultLifetimeMillis, 86_400_000, "SCS's Lifetime")
        XCTAssertEqual(shown, "redis://h:6379/0?prefix=scs:session:&layout=scs")
        (o, layout, shown) = try redisParts("redis://h?layout=redistore&serializer=json")
        XCTAssertEqual(layout, .redistore)
        XCTAssertEqual(o.prefix, "session_")
        XCTAssertTrue(o.jsonSerializer)
        XCTAssertEqual(o.defaultLifetimeMillis, 2_592_000_000, "gorilla's MaxAge")
        XCTAssertEqual(shown, "redis://h:6379/0?prefix=session_&layout=redistore&serializer=json")
        (o, _, _) = try redisParts("redis://h?layout=scs&prefix=app:&ttl=2h")
        XCTAssertEqual(o.prefix, "app:")
        XCTAssertEqual(o.defaultLifetimeMillis, 7_200_000)
        XCTAssertEqual(try redisParts("redis://h?layout=scs&prefix=").0.prefix, "", "an empty prefix= is a prefix too")
        XCTAssertFalse(try redisParts("redis://h?layout=redistore").0.jsonSerializer)
    }

    /// `serializer=` names what new sessions are written with, per layout; the default is not shown.
    func testSerializerOptionPerLayout() throws {
        var (o, layout, shown) = try redisParts("redis://h?serializer=php_serialize&layout=php")
        XCTAssertEqual(layout, .php)
        XCTAssertEqual(o.serializer, "php_serialize")
        XCTAssertEqual(shown, "redis://h:6379/0?prefix=PHPREDIS_SESSION:&layout=php&serializer=php_serialize")
        (o, _, shown) = try redisParts("redis://h?layout=php&serializer=PHP")
        XCTAssertEqual(o.serializer, "php")
        XCTAssertEqual(shown, "redis://h:6379/0?prefix=PHPREDIS_SESSION:&layout=php", "the default is not shown")
        XCTAssertNil(try redisParts("redis://h?layout=php").0.serializer)
        (o, _, shown) = try redisParts("redis://h?layout=flask-session&serializer=json")
        XCTAssertTrue(o.jsonSerializer)
        XCTAssertEqual(shown, "redis://h:6379/0?prefix=session:&layout=flask-session&serializer=json")
        for (text, expected) in [
            ("redis://h?layout=php&serializer=phps", "serializer= takes gob or json (redistore), php or php_serialize (php), msgpack or json (flask-session)"),
            ("redis://h?layout=php&serializer=json", "serializer=json is not a php serializer (layout=php takes php or php_serialize)"),
            ("redis://h?layout=redistore&serializer=php", "layout=redistore takes gob or json"),
            ("redis://h?layout=scs&serializer=gob", "serializer= is for layout=redistore, php or flask-session")
        ] {
            XCTAssertThrowsError(try StoreAddress.parse(text), text) { e in
                XCTAssertTrue("\(e)".contains(expected), "\(text): \(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
    }

    func testBadRedisAddressesAreOneClearLineWithoutThePassword() {
        let cases: [(String, String)] = [
            ("redis+cluster://h:7000/2", "only database 0"), ("redis+cluster://h:7000?db=1", "only database 0"),
            ("redis+sentinel://h", "name the master"), ("redis+sentinel://h/m/x", "only a database number"),
            ("redis://h?ca=x.pem", "ca= is a TLS option"), ("redis+unix:///s.sock?tls=1", "TLS runs over TCP"),
            ("redis://h1,h2", "redis+cluster:// or redis+sentinel://"), ("redis://h?sentinel-password=x", "is for redis+sentinel"),
            ("rediss://h?key=k.pem", "key= needs cert="), ("rediss://h?tls=0", "contradicts"), ("redis+cluster://h1,,h2", "empty host"),
            ("redis://h:0", "invalid port"), ("redis://h:http", "invalid port"), ("redis://h/zero", "database number"),
            ("redis://h/1?db=2", "given twice"), ("redis://h?layout=json", "kv or hash (GoFrame), scs (SCS), redistore (gorilla/sessions)"),
            ("redis://h?layout=cookie", "flask-session (Flask-Session)"), ("redis://h?layout=flask-session&serializer=gob", "not a flask-session serializer"),
            ("redis://h?layout=kv&serializer=json", "serializer= is for layout=redistore"), ("redis://h?layout=redistore&serializer=xml", "gob or json"),
            ("redis://h?timeout=0", "timeout must be positive"),
            ("redis://h?ttl=soon", "invalid duration"), ("redis://h?colour=red", "unknown option 'colour'"),
            ("redis+unix://relative.sock", "no socket path"), ("redis:h", "write it as redis://"), ("redis://[::1", "closing ']'"),
            ("redis://bob@h", "a user needs a password")
        ]
        for (text, expected) in cases {
            for withPassword in [false, true] where !(withPassword && text.contains("@")) {
                var address = text
                if withPassword, let r = address.range(of: "://") { address.replaceSubrange(r, with: "://u:Top-Secret-1@") }
                XCTAssertThrowsError(try StoreAddress.parse(address), address) { e in
                    let message = String(describing: e)
                    XCTAssertTrue(withPassword && text.hasPrefix("redis:h") || message.contains(expected), "\(address): \(message)")
                    XCTAssertFalse(message.contains("\n"))
                    XCTAssertFalse(message.contains("Top-Secret-1"), message)
                }
            }
        }
        XCTAssertEqual(StoreAddress.redacted("redis://u:p@ss/w@h:1/0?prefix=x%40y"), "redis://u:***@h:1/0?prefix=x%40y")
        XCTAssertEqual(StoreAddress.redacted("redis+sentinel://s:1/m?sentinel-password=pw&prefix=p"), "redis+sentinel://s:1/m?sentinel-password=***&prefix=p")
    }

    private func deployment(_ text: String, env: [String: String] = [:]) throws -> (RedisStoreOptions, String) {
        let (o, _, shown) = try redisParts(text, env: env)
        return (o, shown)
    }

    func testClusterSentinelAndTLSForms() throws {
        var (o, shown) = try deployment("redis+cluster://:pw@10.0.0.1:7000,10.0.0.2,[::1]:7002?prefix=gfsess:")
        XCTAssertEqual(o.deployment, .cluster(seeds: [.tcp(host: "10.0.0.1", port: 7000), .tcp(host: "10.0.0.2", port: 6379), .tcp(host: "::1", port: 7002)]))
        XCTAssertEqual(o.connection.password, "pw")
        XCTAssertNil(o.connection.tls)
        XCTAssertEqual(shown, "redis+cluster://:***@10.0.0.1:7000,10.0.0.2:6379,[::1]:7002?prefix=gfsess:&layout=kv")
        XCTAssertEqual(try deployment("redis+cluster://h:7000/0").0.connection.db, 0)

        (o, shown) = try deployment("redis+sentinel://s1,s2:26380/mymaster/2?sentinel-password=spw&layout=hash", env: ["SESSCTL_REDIS_PASSWORD": "dpw"])
        XCTAssertEqual(
            o.deployment,
            .sentinel(
                RedisSentinelSettings(
                    sentinels: [.tcp(host: "s1", port: 26379), .tcp(host: "s2", port: 26380)],
                    masterName: "mymaster", password: "spw")))
        XCTAssertEqual(o.connection.db, 2)
        XCTAssertEqual(o.connection.password, "dpw", "the data nodes' password")
        XCTAssertEqual(shown, "redis+sentinel://:***@s1:26379,s2:26380/mymaster/2?sentinel-password=***&layout=hash")
        XCTAssertEqual(
            try deployment("redis+sentinel://s/m", env: ["SESSCTL_SENTINEL_PASSWORD": "e"]).0.deployment,
            .sentinel(RedisSentinelSettings(sentinels: [.tcp(host: "s", port: 26379)], masterName: "m", password: "e")))

        (o, shown) = try deployment("rediss://cache:6380/1?ca=~/ca.pem&cert=/c.pem&key=/k.pem&sni=redis.internal", env: ["HOME": "/home/op"])
        XCTAssertEqual(o.connection.tls, RedisTLSOptions(caFile: "/home/op/ca.pem", certFile: "/c.pem", keyFile: "/k.pem", serverName: "redis.internal"))
        XCTAssertEqual(o.deployment, .server)
        XCTAssertEqual(shown, "rediss://cache:6380/1?layout=kv")
        (o, shown) = try deployment("redis+cluster://h:7000?tls=1&insecure=1")
        XCTAssertEqual(o.connection.tls, RedisTLSOptions(insecure: true))
        XCTAssertEqual(shown, "redis+cluster://h:7000?layout=kv&tls=1&insecure=1")
        XCTAssertEqual(try deployment("rediss+sentinel://s/m").0.connection.tls, RedisTLSOptions())
        XCTAssertEqual(try deployment("redis://h?tls=1").0.connection.tls, RedisTLSOptions())
    }
}
