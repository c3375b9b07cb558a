#!/usr/bin/env perl
# write-file-sessions.pl DIR N NOW_MS: N GoFrame File sessions in DIR, as the benchmarks use them.
# Session i: about 200 bytes of JSON as GoFrame writes it, and 1h..24h left at NOW_MS (the same
# numbers as scripts/bench.sh loads into Redis).
use strict;
use warnings;
my ($dir, $n, $now) = @ARGV;
for my $i (0 .. $n - 1) {
    my $body = sprintf(q({"cart":[{"price":19.99,"qty":%d,"sku":"A-%d"}],"csrf":"c%031d","last_page":"/account/settings/profile","login_at":%d,"roles":["user","editor"],"user_id":%d,"username":"user%d"}),
        $i % 9 + 1, $i % 1000, $i, 1795240858 + $i % 86400, 100000 + $i, $i);
    my $left = 3600000 + ($i * 7919) % 82800000;
    open(my $f, ">", sprintf("%s/1qbncq5nyf0dn0n%017d.session", $dir, $i)) or die "$!";
    binmode $f;
    print $f pack("q<", $now - 86400000 + $left), $body;
    close $f;
}
