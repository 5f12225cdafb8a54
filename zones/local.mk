# zones: RFC 1035 zone files loaded with ldns into the immutable compiled form.
noinst_LIBRARIES += zones/libzones.a
zones_libzones_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
zones_libzones_a_SOURCES = \
	zones/zone.h zones/zone_hash.h \
	zones/zone_load.c zones/zone_load.h \
	zones/zone_text.c zones/zone_text.h zones/zone_rdata.c zones/zone_rdata.h \
	zones/zone_compile.c zones/zone_compile.h \
	zones/zone_keys.c zones/zone_keys.h \
	zones/zone_sign.h zones/zone_signer.c zones/zone_signer.h \
	zones/zone_rrsig.c zones/zone_rrsig.h \
	zones/zone_signing.c zones/zone_signing.h zones/zone_signing_impl.h \
	zones/zone_dnssec.c zones/zone_denial.c \
	zones/zone_lookup.c \
	zones/zoneset.c zones/zoneset.h
