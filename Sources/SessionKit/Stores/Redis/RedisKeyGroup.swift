import RedisClient

/// The keys of a session that is a group of keys (a meta key, an event hash, an event index,
/// summaries, per-user state), all named with the session's hash tag `{id}` so a cluster keeps
/// them in one slot: one node holds them all, so one WATCH/MULTI/EXEC covers them all and
/// `RedisStore` routes the group by its anchor key alone.
///
/// How a group layout plugs into `RedisSessionLayout`: its store key (`RedisStore`'s `key(id)`)
/// is the group's `anchor`; its `readCommands` add `watchMembers` (after the router's WATCH of
/// the anchor, before MULTI) and the reads of each member; its write commands name any member;
/// its delete removes `all`.
struct RedisKeyGroup: Equatable {
    /// `prefix{id}`: the key a store routes and scans the session by.
    let anchor: [UInt8]
    /// The other keys, each `prefix{id}` + its suffix, in the order of `suffixes`.
    let members: [[UInt8]]

    /// The group of session `id` under `prefix`, with a member for each suffix (e.g. `:events`).
    /// Every key starts with the anchor, whose first hash tag therefore closes inside it; nil in
    /// the one case where that still splits the group (a prefix with an empty tag `{}`, which
    /// makes Redis hash each whole key).
    init?(prefix: [UInt8], id: String, suffixes: [String]) {
        let anchor = prefix + [UInt8(ascii: "{")] + Array(id.utf8) + [UInt8(ascii: "}")]
        let members = suffixes.map { anchor + Array($0.utf8) }
        let slot = ClusterSlots.slot(of: anchor)
        guard members.allSatisfy({ ClusterSlots.slot(of: $0) == slot }) else { return nil }
        self.anchor = anchor
        self.members = members
    }

    /// Every key of the session, the anchor first.
    var all: [[UInt8]] { [anchor] + members }

    /// The cluster slot every key of the group lives in.
    var slot: Int { ClusterSlots.slot(of: anchor) }

    /// WATCH of the members, for a layout's reads: with the anchor's WATCH, a change the app makes
    /// to any key of the group between read and write fails the transaction, which is read again.
    var watchMembers: [[[UInt8]]] {
        members.isEmpty ? [] : [RedisStoreCore.command("WATCH") + members]
    }
}
