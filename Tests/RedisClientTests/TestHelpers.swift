/// Small helpers of the RedisClient tests.

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
