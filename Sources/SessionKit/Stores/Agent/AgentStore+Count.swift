import RedisClient

/// Counting agent sessions without handing every key to the client: a server-side SCAN loop,
/// run a few SCAN steps per EVAL on each master, that counts HashIdx meta keys and adds up the
/// fields of legacy user hashes in one walk of the keyspace (two SCAN MATCH walks would take
/// twice the server's time). Each EVAL holds the server for about as long as `stepsPerCall`
/// SCAN calls, some milliseconds.
extension AgentStore: SessionCounting {
    static let stepsPerCall = 4
    /// SCAN's COUNT inside the script: bigger than a client's, as no reply crosses the network.
    static let countPerStep = 2500

    /// The Lua of one chunk: ARGV cursor, steps, COUNT, meta prefix, legacy prefix ("" for an
    /// engine not read), and a MATCH pattern when only one engine is read (the server then hands
    /// the script only its keys); returns the next cursor and the sessions seen.
    static let countScript = """
        local cursor, steps, count = ARGV[1], tonumber(ARGV[2]), ARGV[3]
        local mp, lp, match = ARGV[4], ARGV[5], ARGV[6]
        local ml, ll = #mp, #lp
        local n = 0
        for _ = 1, steps do
          local r
          if match ~= '' then r = redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', count) else r = redis.call('SCAN', cursor, 'COUNT', count) end
          cursor = r[1]
          for _, k in ipairs(r[2]) do
            if ml > 0 and string.sub(k, 1, ml) == mp then
              n = n + 1
            elseif ll > 0 and string.sub(k, 1, ll) == lp then
              local ok, h = pcall(redis.call, 'HLEN', k)
              if ok and type(h) == 'number' then n = n + h end
            end
          end
          if cursor == '0' then break end
        end
        return {cursor, n}
        """

    /// Only without a pattern (a pattern needs each session's id); nil when the server refuses
    /// scripts or a cluster's slots moved meanwhile, so the caller counts by scanning.
    public func serverSideCount(matching pattern: String?) throws -> Int? {
        guard pattern == nil else { return nil }
        let meta = engines.contains(.hashidx) ? keys.hashidx + Array(":meta:".utf8) : []
        let legacy = engines.contains(.legacy) ? keys.legacy + Array("sess:{".utf8) : []
        let match: [UInt8] = meta.isEmpty ? keys.legacyPattern : legacy.isEmpty ? keys.metaPattern : []
        let scan = try core.run { try core.router.beginScan() }
        var total = 0
        for lane in scan.lanes {
            var cursor: [UInt8] = Array("0".utf8)
            repeat {
                let command = RedisStoreCore.command(
                    "EVAL", Array(Self.countScript.utf8), Array("0".utf8), cursor, RedisStoreCore.number(Int64(Self.stepsPerCall)),
                    RedisStoreCore.number(Int64(Self.countPerStep)), meta, legacy, match)
                let reply = try core.run { try lane.connection.command(command) }
                guard case .array(let r) = reply, r.count == 2, let next = r[0].bytes, case .integer(let n) = r[1] else { return nil }
                total += Int(clamping: n)
                cursor = next
            } while cursor != Array("0".utf8)
        }
        return try core.run { try scan.clusterUnchanged() } ? total : nil
    }

    public func estimatedCount(matching pattern: String?) throws -> Int? { try serverSideCount(matching: pattern) }
}
