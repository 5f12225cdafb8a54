# server/config: the YAML configuration: reading it with libyaml into typed values with
# positions, the schema (keys, ranges, defaults), and the cross-checks between sections
# (libconfig.a, on libbase.a).
noinst_LIBRARIES += server/config/libconfig.a
server_config_libconfig_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
server_config_libconfig_a_SOURCES = \
	server/config/config.c server/config/config.h \
	server/config/config_yaml.c server/config/config_yaml.h \
	server/config/config_schema.c server/config/config_schema.h \
	server/config/config_coords.c server/config/config_coords.h \
	server/config/config_check.c server/config/config_check.h \
	server/config/config_fleet.c server/config/config_fleet.h \
	server/config/config_weight.c server/config/config_weight.h
