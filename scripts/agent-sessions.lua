-- Writes trpc-agent-go HashIdx sessions server-side, as the library lays them out (meta string,
-- event hash evtdata: event id -> event JSON with requestID and timestamp, time index evtidx:
-- event id scored in UnixNano), for benchmarks and tests of `sessctl trim`.
-- ARGV: first session number, sessions, events per session, events per turn, TTL in ms (0: none),
-- and optionally the app (default `bench`).
-- Session n is app `bench`, user `u<n % 1000>`, id `s<n>`; its events `s<n>-e<k>`, k = 1..events,
-- one second apart, turn `r<(k-1) / per turn>`.
local first, count, events, per, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local app = ARGV[6] or 'bench'
for n = first, first + count - 1 do
    local sid, user = 's' .. n, 'u' .. (n % 1000)
    local tail = app .. ':{' .. user .. '}:' .. sid
    local meta, data, index = 'hashidx:meta:' .. tail, 'hashidx:evtdata:' .. tail, 'hashidx:evtidx:time:' .. tail
    redis.call('SET', meta, '{"id":"' .. sid .. '","appName":"' .. app .. '","userID":"' .. user ..
        '","state":{},"createdAt":"2026-03-20T02:00:00Z","updatedAt":"2026-03-20T02:00:00Z"}')
    local fields, members = {}, {}
    for k = 1, events do
        local id, rid = sid .. '-e' .. k, 'r' .. math.floor((k - 1) / per)
        local second = string.format('%02d:%02d', math.floor(k / 60) % 60, k % 60)
        fields[#fields + 1] = id
        fields[#fields + 1] = '{"object":"chat.completion","created":1773972000,"model":"gpt-4o","choices":[{"index":0,' ..
            '"message":{"role":"assistant","content":"message ' .. k .. '"},"finish_reason":"stop"}],"done":true,' ..
            '"is_partial":false,"requestID":"' .. rid .. '","invocationId":"inv-' .. rid .. '","author":"assistant",' ..
            '"id":"' .. id .. '","timestamp":"2026-03-20T02:' .. second .. 'Z","version":1}'
        members[#members + 1] = string.format('%d', 1773972000000000000 + k * 1000000000)
        members[#members + 1] = id
    end
    if events > 0 then
        redis.call('HSET', data, unpack(fields))
        redis.call('ZADD', index, unpack(members))
    end
    if ttl > 0 then
        for _, key in ipairs({meta, data, index}) do redis.call('PEXPIRE', key, ttl) end
    end
end
return count
