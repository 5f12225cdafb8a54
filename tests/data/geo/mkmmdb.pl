#!/usr/bin/perl
# mkmmdb.pl -- builds a tiny MaxMind DB for the geoip unit tests from a text
# description (city.txt, country4.txt, asn.txt in this folder). Run at `make check`
# time by tests/unit/geoip.mk; the .mmdb files are never committed.
# Usage: mkmmdb.pl IN.txt OUT.mmdb
# Needs Debian's libmaxmind-db-writer-perl (MaxMind::DB::Writer::Tree).
#
# Description format: "# type: NAME", "# ip_version: 4|6" and "# layout: LAYOUT" header
# lines, then one network per line: "NETWORK key=value ...", keys continent, country,
# subdivision, asn, lat and lon (location.latitude/longitude; not in ipinfo). Anything
# after " #" is a comment. IPv6 databases alias
# ::ffff:0:0/96, 2001::/32 and 2002::/16 to the IPv4 tree, as MaxMind's own databases
# do. LAYOUT is how the record is written (docs/geoip.md), after the public schemas:
#   geoip2 (default)  continent {code}, country {iso_code}, subdivisions [{iso_code}],
#                     autonomous_system_number: the shape the unit tests use
#   geolite2          the same with the other fields real files carry too (geoname_id,
#                     names, is_in_european_union, registered_country, city, location,
#                     postal; autonomous_system_organization with asn)
#   dbip-lite         DB-IP's free Lite files: GeoLite2's nesting, but subdivisions
#                     carry names only (subdivision=NAME, no iso_code)
#   ipinfo            IPinfo's flat fields: country, country_name, continent,
#                     continent_name, asn ("AS64500"), as_name, as_domain
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($in, $out) = @ARGV;
die "usage: $0 IN.txt OUT.mmdb\n" unless $in && $out;

my $layout = 'geoip2';
my %types = (
	continent                      => 'map',
	country                        => 'map',
	registered_country             => 'map',
	subdivisions                   => [ 'array', 'map' ],
	city                           => 'map',
	location                       => 'map',
	postal                         => 'map',
	names                          => 'map',
	en                             => 'utf8_string',
	code                           => 'utf8_string',
	iso_code                       => 'utf8_string',
	geoname_id                     => 'uint32',
	is_in_european_union           => 'boolean',
	latitude                       => 'double',
	longitude                      => 'double',
	time_zone                      => 'utf8_string',
	autonomous_system_number       => 'uint32',
	autonomous_system_organization => 'utf8_string',
	country_name                   => 'utf8_string',
	continent_name                 => 'utf8_string',
	asn                            => 'utf8_string',
	as_name                        => 'utf8_string',
	as_domain                      => 'utf8_string',
);
# ipinfo's continent and country are strings, not maps.
my %flat = (continent => 'utf8_string', country => 'utf8_string');

# A name for a code, so that names look like names.
sub name_of { my ($what, $code) = @_; return "$what $code" }

# The record of one line in the layout.
sub record {
	my (%f) = @_;
	my %rec;
	if ($layout eq 'ipinfo') {
		if (defined $f{country}) {
			$rec{country} = $f{country};
			$rec{country_name} = name_of('Country', $f{country});
		}
		if (defined $f{continent}) {
			$rec{continent} = $f{continent};
			$rec{continent_name} = name_of('Continent', $f{continent});
		}
		if (defined $f{asn}) {
			$rec{asn} = "AS$f{asn}";
			$rec{as_name} = "Network $f{asn}";
			$rec{as_domain} = "as$f{asn}.example";
		}
		return \%rec;
	}
	my $full = $layout ne 'geoip2';
	my %names = ();
	if (defined $f{continent}) {
		$rec{continent} = { code => $f{continent} };
		$rec{continent}{geoname_id} = 6255000 + length($f{continent}) if $full;
		$rec{continent}{names} = { en => name_of('Continent', $f{continent}) } if $full;
	}
	if (defined $f{country}) {
		$rec{country} = { iso_code => $f{country} };
		if ($full) {
			$rec{country}{names} = { en => name_of('Country', $f{country}) };
			$rec{country}{is_in_european_union} = ($f{continent} // '') eq 'EU' ? 1 : 0;
			$rec{registered_country} = { iso_code => $f{country} };
		}
	}
	if (defined $f{subdivision}) {
		if ($layout eq 'dbip-lite') {
			$rec{subdivisions} = [ { names => { en => $f{subdivision} } } ];
		} else {
			$rec{subdivisions} = [ { iso_code => $f{subdivision} } ];
			$rec{subdivisions}[0]{names} = { en => name_of('Region', $f{subdivision}) }
				if $full;
		}
	}
	if ($full && (defined $f{country} || defined $f{continent})) {
		$rec{city} = { names => { en => 'Town' } };
		$rec{location} = { latitude => 10.5, longitude => -20.25, time_zone => 'UTC' };
	}
	$rec{location}{latitude} = 0 + $f{lat} if defined $f{lat};
	$rec{location}{longitude} = 0 + $f{lon} if defined $f{lon};
	if (defined $f{asn}) {
		$rec{autonomous_system_number} = 0 + $f{asn};
		$rec{autonomous_system_organization} = "Network $f{asn}" if $full;
	}
	return \%rec;
}

my ($type, $ipv) = ('GeoIP2-City', 6);
my @rows;
open my $fh, '<', $in or die "$in: $!\n";
while (my $line = <$fh>) {
	if ($line =~ /^#\s*type:\s*(.+?)\s*$/) { $type = $1; next }
	if ($line =~ /^#\s*ip_version:\s*(\d)/) { $ipv = $1; next }
	if ($line =~ /^#\s*layout:\s*(\S+)/) {
		$layout = $1;
		die "$in:$.: unknown layout $layout\n"
			unless $layout =~ /^(geoip2|geolite2|dbip-lite|ipinfo)$/;
		next;
	}
	$line =~ s/(^|\s)#.*//;
	next unless $line =~ /\S/;
	my ($net, @kv) = split ' ', $line;
	my %f = map { split /=/, $_, 2 } @kv;
	my $rec = record(%f);
	die "$in:$.: no fields\n" unless %$rec;
	push @rows, [ $net, $rec ];
}
close $fh;

my $tree = MaxMind::DB::Writer::Tree->new(
	ip_version               => $ipv,
	record_size              => 24,
	database_type            => $type,
	languages                => ['en'],
	description              => { en => "geosteer unit-test database from $in" },
	map_key_type_callback    => sub {
		($layout eq 'ipinfo' ? $flat{ $_[0] } : undef) // $types{ $_[0] }
			// die "no type for key $_[0]\n";
	},
	alias_ipv6_to_ipv4       => $ipv == 6 ? 1 : 0,
	remove_reserved_networks => 0,
);
$tree->insert_network(@$_) for @rows;
open my $o, '>:raw', "$out.tmp" or die "$out.tmp: $!\n";
$tree->write_tree($o);
close $o or die "$out.tmp: $!\n";
rename "$out.tmp", $out or die "$out: $!\n";
