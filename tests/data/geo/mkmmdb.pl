#!/usr/bin/perl
# mkmmdb.pl -- builds a tiny MaxMind DB for the geoip unit tests from a text
# description (city.txt, country4.txt, asn.txt in this folder). Run at `make check`
# time by tests/unit/geoip.mk; the .mmdb files are never committed.
# Usage: mkmmdb.pl IN.txt OUT.mmdb
# Needs Debian's libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree).
#
# Description format: "# type: NAME" and "# ip_version: 4|6" header lines, then one
# network per line: "NETWORK key=value ...", keys continent, country, subdivision,
# lat and lon (GeoIP2 City/Country shape; lat/lon become location.latitude/longitude)
# or asn (GeoLite2 ASN shape). Anything after " #" is a
# comment. IPv6 databases alias ::ffff:0:0/96, 2001::/32 and 2002::/16 to the IPv4
# tree, as MaxMind's own databases do.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($in, $out) = @ARGV;
die "usage: $0 IN.txt OUT.mmdb\n" unless $in && $out;

my %types = (
	continent                => 'map',
	country                  => 'map',
	subdivisions             => [ 'array', 'map' ],
	code                     => 'utf8_string',
	iso_code                 => 'utf8_string',
	autonomous_system_number => 'uint32',
	location                 => 'map',
	latitude                 => 'double',
	longitude                => 'double',
);

my ($type, $ipv) = ('GeoIP2-City', 6);
my @rows;
open my $fh, '<', $in or die "$in: $!\n";
while (my $line = <$fh>) {
	if ($line =~ /^#\s*type:\s*(\S+)/) { $type = $1; next }
	if ($line =~ /^#\s*ip_version:\s*(\d)/) { $ipv = $1; next }
	$line =~ s/(^|\s)#.*//;
	next unless $line =~ /\S/;
	my ($net, @kv) = split ' ', $line;
	my %f = map { split /=/, $_, 2 } @kv;
	my %rec;
	$rec{continent} = { code => $f{continent} } if defined $f{continent};
	$rec{country} = { iso_code => $f{country} } if defined $f{country};
	$rec{subdivisions} = [ { iso_code => $f{subdivision} } ] if defined $f{subdivision};
	$rec{autonomous_system_number} = 0 + $f{asn} if defined $f{asn};
	$rec{location}{latitude} = 0 + $f{lat} if defined $f{lat};
	$rec{location}{longitude} = 0 + $f{lon} if defined $f{lon};
	die "$in:$.: no fields\n" unless %rec;
	push @rows, [ $net, \%rec ];
}
close $fh;

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => $ipv,
	record_size              => 24,
	database_type            => $type,
	languages                => ['en'],
	description              => { en => "geosteer unit-test database from $in" },
	map_key_type_callback    => sub { $types{ $_[0] } // die "no type for key $_[0]\n" },
	alias_ipv6_to_ipv4       => $ipv == 6 ? 1 : 0,
	remove_reserved_networks => 0,
);
$tree->insert_network(@$_) for @rows;
open my $o, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($o);
close $o or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
