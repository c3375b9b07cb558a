/// One `--where` condition on a session's data: a dotted path, an operator and an operand.
///
/// Forms: `PATH=VALUE`, `PATH!=VALUE`, `PATH~GLOB`, `PATH!~GLOB`, `PATH<N`, `PATH<=N`, `PATH>N`,
/// `PATH>=N`, `PATH exists`, `PATH !exists`.
///
/// - The path is keys joined by dots (`user.id`); a number steps into an array (`roles.0`), `*`
///   is every member or element (`roles.*=admin`), and `\` takes the next character literally
///   (`a\.b` is the key `a.b`). With `*`, a condition holds when it holds for any value found.
/// - The operand of `=` and `!=` is typed as `set` types a value: JSON when it parses (`1001`,
///   `true`, `null`, `"1001"`, `{"a":1}`), else a string (`alice`).
/// - Numbers compare by exact decimal value, never through a float: `1001` = `1001.0`, `-0` = `0`,
///   and integers past 2^53 stay distinct.
/// - Across layouts: a Redis hash stores every scalar as text (numbers as their literal, bools
///   as `1`/`0`, null as the empty string), so a stored string also equals an unquoted scalar it
///   spells that way: `user_id=1001` matches `1001` and `"1001"`, `admin=true` matches `true`,
///   `"1"` and `"true"`, `note=null` matches `null` and `""`. The rule is the same on every store,
///   so one condition finds the same sessions whichever layout holds them. A quoted operand
///   (`user_id="1001"`) is a string and matches strings only.
/// - `<` `<=` `>` `>=` need a number operand and hold for numbers and for strings that are number
///   literals (hash fields).
/// - `~` matches a glob (`*`, `?`, `[a-z]`) against a string, or against the JSON text of any
///   other value.
/// - Every operator but `!exists` needs the path to be there: `x!=5` does not hold for a session
///   without `x`.
public struct WhereCondition: Sendable, CustomStringConvertible {
    public enum Operator: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case glob = "~"
        case notGlob = "!~"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case exists = "exists"
        case missing = "!exists"
    }

    /// One step of a path.
    enum Step: Sendable, Equatable {
        case key(String)
        case any
    }

    /// The condition as written.
    public let text: String
    public let op: Operator
    let path: [Step]
    /// The typed operand of `=` and `!=`.
    let value: JSONValue?
    let number: DecimalNumber?
    let pattern: String?

    public var description: String { text }

    /// Parses one condition; the error says what is wrong with it.
    public static func parse(_ text: String) throws(SessionError) -> WhereCondition {
        func bad(_ reason: String) -> SessionError {
            .invalidArgument("--where \(SessionError.quote(text)): \(reason)")
        }
        let trimmed = text.trimmingASCIISpaces()
        var pathText: Substring
        var op: Operator
        var operand = ""
        if let (start, end, found) = findOperator(trimmed) {
            (pathText, op, operand) = (trimmed[..<start], found, String(trimmed[end...]).trimmingASCIISpaces())
        } else if trimmed.hasSuffix(" !exists") {
            (pathText, op) = (trimmed.dropLast(" !exists".count), .missing)
        } else if trimmed.hasSuffix(" exists") {
            (pathText, op) = (trimmed.dropLast(" exists".count), .exists)
        } else {
            throw bad("expected PATH=VALUE, PATH!=VALUE, PATH~GLOB, PATH!~GLOB, PATH<N, PATH>N, PATH<=N, PATH>=N, 'PATH exists' or 'PATH !exists'")
        }
        if op == .equal, operand.hasPrefix("=") {
            throw bad("'==' is not an operator: write PATH=VALUE (quote a value that starts with '=': PATH=\"=...\")")
        }
        let path = try parsePath(String(pathText).trimmingASCIISpaces(), bad)
        var value: JSONValue?
        var number: DecimalNumber?
        var pattern: String?
        switch op {
        case .equal, .notEqual:
            value = (try? JSONParser.parse(Array(operand.utf8))) ?? .string(operand)
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard let n = DecimalNumber(operand) else { throw bad("\(op.rawValue) compares numbers, and \(SessionError.quote(operand)) is not a number") }
            number = n
        case .glob, .notGlob:
            pattern = operand
        case .exists, .missing:
            break
        }
        return WhereCondition(text: text, op: op, path: path, value: value, number: number, pattern: pattern)
    }

    /// The first operator outside a backslash escape: its range and kind.
    private static func findOperator(_ s: String) -> (String.Index, String.Index, Operator)? {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            let next = s.index(after: i)
            let following: Character? = next < s.endIndex ? s[next] : nil
            switch c {
            case "\\":
                i = next < s.endIndex ? s.index(after: next) : next
                continue
            case "=": return (i, next, .equal)
            case "!" where following == "=": return (i, s.index(after: next), .notEqual)
            case "!" where following == "~": return (i, s.index(after: next), .notGlob)
            case "~": return (i, next, .glob)
            case "<": return following == "=" ? (i, s.index(after: next), .lessOrEqual) : (i, next, .less)
            case ">": return following == "=" ? (i, s.index(after: next), .greaterOrEqual) : (i, next, .greater)
            default: break
            }
            i = next
        }
        return nil
    }

    static func parsePath(_ text: String, _ bad: (String) -> SessionError) throws(SessionError) -> [Step] {
        if text.isEmpty { throw bad("no path before the operator") }
        var steps: [Step] = []
        var current = ""
        var escaped = false
        var wasEscaped = false
        func finish() throws(SessionError) {
            if current.isEmpty && !wasEscaped { throw bad("empty key in the path (use \\. for a dot inside a key)") }
            steps.append(current == "*" && !wasEscaped ? .any : .key(current))
            current = ""
            wasEscaped = false
        }
        for c in text {
            if escaped {
                current.append(c)
                escaped = false
                wasEscaped = true
            } else if c == "\\" {
                escaped = true
            } else if c == "." {
                try finish()
            } else {
                current.append(c)
            }
        }
        if escaped { current.append("\\") }
        try finish()
        return steps
    }

    // MARK: Evaluating

    /// The text of each value the condition's path names in `data` (a string as it is, another
    /// value as its JSON): what `top --by` groups sessions by.
    public func valueTexts(in data: JSONObject) -> [String] {
        var found: [JSONValue] = []
        WhereCondition.resolve(path[...], in: .object(data), into: &found)
        return found.map(WhereCondition.text(of:))
    }

    /// Whether the session data satisfies the condition.
    public func matches(_ data: JSONObject) -> Bool {
        var found: [JSONValue] = []
        WhereCondition.resolve(path[...], in: .object(data), into: &found)
        switch op {
        case .exists: return !found.isEmpty
        case .missing: return found.isEmpty
        case .equal: return found.contains { WhereCondition.equal($0, value!) }
        case .notEqual: return found.contains { !WhereCondition.equal($0, value!) }
        case .glob: return found.contains { Glob.matches(pattern!, WhereCondition.text(of: $0)) }
        case .notGlob: return found.contains { !Glob.matches(pattern!, WhereCondition.text(of: $0)) }
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            return found.contains { v in
                guard let n = WhereCondition.number(v) else { return false }
                switch op {
                case .less: return n < number!
                case .lessOrEqual: return n <= number!
                case .greater: return n > number!
                default: return n >= number!
                }
            }
        }
    }

    static func resolve(_ steps: ArraySlice<Step>, in value: JSONValue, into found: inout [JSONValue]) {
        guard let step = steps.first else {
            found.append(value)
            return
        }
        let rest = steps.dropFirst()
        switch (step, value) {
        case (.key(let k), .object(let o)):
            if let v = o[k] { resolve(rest, in: v, into: &found) }
        case (.key(let k), .array(let items)):
            if let i = Int(k), String(i) == k, i >= 0, i < items.count { resolve(rest, in: items[i], into: &found) }
        case (.any, .object(let o)):
            for m in o { resolve(rest, in: m.value, into: &found) }
        case (.any, .array(let items)):
            for item in items { resolve(rest, in: item, into: &found) }
        default:
            break
        }
    }

    /// Equality as documented above: typed, numbers by value, strings also standing for the
    /// scalar they spell in a hash.
    static func equal(_ stored: JSONValue, _ operand: JSONValue) -> Bool {
        switch (stored, operand) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return sameNumber(a, b)
        case let (.string(a), .string(b)): return Bytes.equal(a, b)
        case let (.string(s), .number(n)): return sameNumber(s, n)
        case let (.string(s), .bool(b)): return b ? (s == "1" || s == "true") : (s == "0" || s == "false")
        case let (.string(s), .null): return s.isEmpty
        case let (.array(a), .array(b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) && sameKind($0, $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { Bytes.equal($0.key, $1.key) && equal($0.value, $1.value) && sameKind($0.value, $1.value) }
        default: return false
        }
    }

    /// Inside arrays and objects values are compared as JSON: a string is not a number there.
    private static func sameKind(_ a: JSONValue, _ b: JSONValue) -> Bool { a.kindName == b.kindName }

    private static func sameNumber(_ a: String, _ b: String) -> Bool {
        guard let x = DecimalNumber(a), let y = DecimalNumber(b) else { return false }
        return x == y
    }

    private static func number(_ v: JSONValue) -> DecimalNumber? {
        switch v {
        case .number(let n), .string(let n): return DecimalNumber(n)
        default: return nil
        }
    }

    /// What a glob is matched against: a string itself, anything else as compact JSON.
    private static func text(of v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return String(decoding: GoJSONEncoder.encode(v), as: UTF8.self)
    }
}

/// All conditions at once (several `--where` are joined with AND).
public struct SessionFilter: Sendable {
    public var conditions: [WhereCondition]

    public init(_ conditions: [WhereCondition]) { self.conditions = conditions }

    /// Parses every condition.
    public init(parsing texts: [String]) throws(SessionError) {
        var conditions: [WhereCondition] = []
        for t in texts { conditions.append(try WhereCondition.parse(t)) }
        self.conditions = conditions
    }

    public func matches(_ data: JSONObject) -> Bool {
        conditions.allSatisfy { $0.matches(data) }
    }

    /// Whether the session matches: its data, and for a trpc-agent-go session also `app`, `user`
    /// and `session` (its id's parts), which a state key of the same name hides.
    public func matches(_ session: Session) -> Bool {
        guard let id = session.agent?.sessionID else { return matches(session.data) }
        var data = session.data
        for (name, value) in [("app", id.app), ("user", id.user), ("session", id.session)] where data[name] == nil {
            data[name] = .string(value)
        }
        return matches(data)
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

/// A path into session data as `--where` reads it (`user.id`, `roles.0`, `roles.*`), for commands
/// that show values (`watch --show`).
public struct SessionDataPath: Sendable {
    public let text: String
    let steps: [WhereCondition.Step]

    public init(parsing text: String) throws(SessionError) {
        self.text = text
        steps = try WhereCondition.parsePath(text) { .invalidArgument("path \(SessionError.quote(text)): \($0)") }
    }

    /// The value at the path: nil when it is not there, an array of every match for a `*` path.
    public func value(in data: JSONObject) -> JSONValue? {
        var found: [JSONValue] = []
        WhereCondition.resolve(steps[...], in: .object(data), into: &found)
        if steps.contains(.any) { return found.isEmpty ? nil : .array(found) }
        return found.first
    }
}
