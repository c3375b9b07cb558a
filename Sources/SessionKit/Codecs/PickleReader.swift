/// Legacy Flask-Session values (before 0.7): Python pickles, read and never executed or written.
/// Only the opcodes that build dicts, lists, tuples, strings, bytes, ints, floats, booleans and
/// None are understood; any other (a class, a global, a reduce) is reported by name.
enum PickleReader {
    struct DecodeError: Error, CustomStringConvertible {
        let description: String
    }

    /// Stack items: containers are shared by reference, as the pickle memo shares them.
    private final class Node {
        enum Kind {
            case scalar(JSONValue)
            case list([Node])
            case tuple([Node])
            case dict([(Node, Node)])
            case mark
        }
        var kind: Kind
        init(_ kind: Kind) { self.kind = kind }
    }

    /// The members of the dict `bytes` pickle, in their stored order; nil when it is not a dict.
    static func dictEntries(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> [(key: String, value: JSONValue)]? {
        var created: [Node] = []
        // A pickle can make a list that holds itself: the links go before the nodes do.
        defer { for n in created { n.kind = .mark } }
        let top = try run(bytes, created: &created)
        guard case .dict(let pairs) = top.kind else { return nil }
        var entries: [(key: String, value: JSONValue)] = []
        var budget = 1_000_000  // values shown: memo references may repeat a value exponentially often
        for (k, v) in pairs {
            guard case .scalar(.string(let key)) = k.kind else { throw DecodeError(description: "pickle: a dict key that is not a string") }
            entries.append((key, try json(v, depth: 0, budget: &budget)))
        }
        return entries
    }

    private static func json(_ node: Node, depth: Int, budget: inout Int) throws(DecodeError) -> JSONValue {
        budget -= 1
        guard budget >= 0 else { throw DecodeError(description: "pickle: more than a million values (memo references repeat them)") }
        guard depth <= MsgPack.maxDepth else { throw DecodeError(description: "pickle: nested deeper than \(MsgPack.maxDepth) (or refers to itself)") }
        switch node.kind {
        case .scalar(let v): return v
        case .mark: throw DecodeError(description: "pickle: a stray MARK")
        case .list(let items), .tuple(let items):
            var out: [JSONValue] = []
            for item in items { out.append(try json(item, depth: depth + 1, budget: &budget)) }
            return .array(out)
        case .dict(let pairs):
            var o = JSONObject()
            for (k, v) in pairs {
                guard case .scalar(.string(let key)) = k.kind else { throw DecodeError(description: "pickle: a dict key that is not a string") }
                o[key] = try json(v, depth: depth + 1, budget: &budget)
            }
            return .object(o)
        }
    }

    private static func run(_ bytes: ArraySlice<UInt8>, created: inout [Node]) throws(DecodeError) -> Node {
        var at = bytes.startIndex
        var stack: [Node] = []
        var memo: [Int: Node] = [:]

        func fail(_ why: String) -> DecodeError { DecodeError(description: "pickle: \(why) at byte \(at - bytes.startIndex)") }
        func take(_ n: Int) throws(DecodeError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.endIndex - at >= n else { throw fail("truncated") }
            defer { at += n }
            return bytes[at..<at + n]
        }
        func le(_ n: Int) throws(DecodeError) -> UInt64 { try take(n).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func length(_ n: Int) throws(DecodeError) -> Int {
            let v = try le(n)
            guard v <= UInt64(bytes.endIndex - at) else { throw fail("truncated") }
            return Int(v)
        }
        func line() throws(DecodeError) -> String {
            guard let end = bytes[at...].firstIndex(of: 0x0a) else { throw fail("truncated") }
            defer { at = end + 1 }
            return String(decoding: bytes[at..<end], as: UTF8.self)
        }
        func popValue() throws(DecodeError) -> Node {
            guard let n = stack.popLast() else { throw fail("an empty stack") }
            if case .mark = n.kind { throw fail("a MARK where a value belongs") }
            return n
        }
        func popMark() throws(DecodeError) -> [Node] {
            guard let i = stack.lastIndex(where: { if case .mark = $0.kind { return true } else { return false } }) else { throw fail("no MARK") }
            let items = Array(stack[(i + 1)...])
            stack.removeSubrange(i...)
            return items
        }
        func node(_ kind: Node.Kind) -> Node {
            let n = Node(kind)
            created.append(n)
            return n
        }
        func push(_ v: JSONValue) { stack.append(node(.scalar(v))) }
        func text(_ b: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue {
            guard let s = String(validating: b, as: UTF8.self) else { throw fail("a string that is not UTF-8") }
            return .string(s)
        }
        func long(_ b: ArraySlice<UInt8>) throws(DecodeError) -> JSONValue {
            if b.isEmpty { return .number("0") }
            guard b.count <= 8 else { throw fail("an integer of \(b.count) bytes, beyond 64 bits") }
            var v = b.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if b.count < 8, b.last! & 0x80 != 0 { v |= ~0 << UInt64(b.count * 8) }
            return .number(String(Int64(bitPattern: v)))
        }
        func append(_ items: [Node], to target: Node) throws(DecodeError) {
            guard case .list(var list) = target.kind else { throw fail("APPEND to something that is not a list") }
            list.append(contentsOf: items)
            target.kind = .list(list)
        }
        func setItems(_ items: [Node], in target: Node) throws(DecodeError) {
            guard case .dict(var pairs) = target.kind, items.count % 2 == 0 else { throw fail("SETITEM on something that is not a dict") }
            for i in stride(from: 0, to: items.count, by: 2) {
                if case .scalar(.string(let key)) = items[i].kind,
                    let j = pairs.firstIndex(where: { if case .scalar(.string(let k)) = $0.0.kind { return k == key } else { return false } })
                {
                    pairs[j].1 = items[i + 1]
                } else {
                    pairs.append((items[i], items[i + 1]))
                }
            }
            target.kind = .dict(pairs)
        }

        while true {
            let op = try take(1).first!
            switch op {
            case 0x80: _ = try take(1)  // PROTO
            case 0x95: _ = try take(8)  // FRAME
            case UInt8(ascii: "."):  // STOP
                guard stack.count == 1, at == bytes.endIndex else { throw fail("STOP with \(stack.count) items on the stack or bytes after it") }
                return try popValue()
            case UInt8(ascii: "("): stack.append(node(.mark))
            case UInt8(ascii: "}"): stack.append(node(.dict([])))
            case UInt8(ascii: "]"): stack.append(node(.list([])))
            case UInt8(ascii: ")"): stack.append(node(.tuple([])))
            case UInt8(ascii: "t"): stack.append(node(.tuple(try popMark())))
            case UInt8(ascii: "l"): stack.append(node(.list(try popMark())))
            case UInt8(ascii: "d"):
                let d = node(.dict([]))
                try setItems(try popMark(), in: d)
                stack.append(d)
            case 0x85, 0x86, 0x87:
                var items: [Node] = []
                for _ in 0..<Int(op - 0x84) { items.insert(try popValue(), at: 0) }
                stack.append(node(.tuple(items)))
            case UInt8(ascii: "a"):
                let v = try popValue()
                guard let target = stack.last else { throw fail("an empty stack") }
                try append([v], to: target)
            case UInt8(ascii: "e"):
                let items = try popMark()
                guard let target = stack.last else { throw fail("an empty stack") }
                try append(items, to: target)
            case UInt8(ascii: "s"):
                let v = try popValue()
                let k = try popValue()
                guard let target = stack.last else { throw fail("an empty stack") }
                try setItems([k, v], in: target)
            case UInt8(ascii: "u"):
                let items = try popMark()
                guard let target = stack.last else { throw fail("an empty stack") }
                try setItems(items, in: target)
            case UInt8(ascii: "N"): push(.null)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case UInt8(ascii: "I"):
                let t = try line()
                if t == "00" || t == "01" { push(.bool(t == "01")) } else if let i = Int64(t) { push(.number(String(i))) } else { throw fail("a bad INT") }
            case UInt8(ascii: "L"):
                let t = try line()
                guard let i = Int64(t.hasSuffix("L") ? String(t.dropLast()) : t) else { throw fail("a LONG beyond 64 bits") }
                push(.number(String(i)))
            case UInt8(ascii: "J"): push(.number(String(Int32(truncatingIfNeeded: try le(4)))))
            case UInt8(ascii: "K"): push(.number(String(try le(1))))
            case UInt8(ascii: "M"): push(.number(String(try le(2))))
            case 0x8a: push(try long(try take(try length(1))))
            case 0x8b: push(try long(try take(try length(4))))
            case UInt8(ascii: "F"):
                guard let d = Double(try line()), d.isFinite else { throw fail("a FLOAT JSON cannot show") }
                push(.number(MsgPack.floatText(d)))
            case UInt8(ascii: "G"):
                let d = Double(bitPattern: try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                guard d.isFinite else { throw fail("a float JSON cannot show") }
                push(.number(MsgPack.floatText(d)))
            case UInt8(ascii: "X"): push(try text(try take(try length(4))))
            case 0x8c: push(try text(try take(try length(1))))
            case 0x8d: push(try text(try take(try length(8))))
            case UInt8(ascii: "T"): push(try text(try take(try length(4))))
            case UInt8(ascii: "U"): push(try text(try take(try length(1))))
            case UInt8(ascii: "B"): push(MsgPack.bytesValue(try take(try length(4))))
            case UInt8(ascii: "C"): push(MsgPack.bytesValue(try take(try length(1))))
            case 0x8e: push(MsgPack.bytesValue(try take(try length(8))))
            case 0x94:
                guard let top = stack.last else { throw fail("an empty stack") }
                memo[memo.count] = top
            case UInt8(ascii: "p"), UInt8(ascii: "q"), UInt8(ascii: "r"):
                let index: Int
                if op == UInt8(ascii: "p") {
                    guard let i = Int(try line()) else { throw fail("a bad PUT") }
                    index = i
                } else {
                    index = Int(try le(op == UInt8(ascii: "q") ? 1 : 4))
                }
                guard let top = stack.last else { throw fail("an empty stack") }
                memo[index] = top
            case UInt8(ascii: "g"), UInt8(ascii: "h"), UInt8(ascii: "j"):
                let index: Int
                if op == UInt8(ascii: "g") {
                    guard let i = Int(try line()) else { throw fail("a bad GET") }
                    index = i
                } else {
                    index = Int(try le(op == UInt8(ascii: "h") ? 1 : 4))
                }
                guard let n = memo[index] else { throw fail("GET of memo \(index), never stored") }
                stack.append(n)
            case UInt8(ascii: "0"): _ = try popValue()
            case UInt8(ascii: "1"): _ = try popMark()
            case UInt8(ascii: "2"):
                guard let top = stack.last else { throw fail("an empty stack") }
                stack.append(top)
            default:
                throw DecodeError(
                    description:
                        "unsupported pickle opcode \(opcodeName(op)) at byte \(at - 1 - bytes.startIndex) (only dicts, lists, strings, numbers, booleans and None are read; nothing is executed)"
                )
            }
        }
    }

    static func opcodeName(_ op: UInt8) -> String {
        let names: [UInt8: String] = [
            0x63: "GLOBAL", 0x93: "STACK_GLOBAL", 0x52: "REDUCE", 0x62: "BUILD", 0x69: "INST", 0x6f: "OBJ", 0x81: "NEWOBJ",
            0x92: "NEWOBJ_EX", 0x50: "PERSID", 0x51: "BINPERSID", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x8f: "EMPTY_SET",
            0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
            0x53: "STRING", 0x56: "UNICODE"
        ]
        let hex = "0x" + String(op, radix: 16, uppercase: false)
        return names[op].map { "\($0) (\(hex))" } ?? hex
    }
}
