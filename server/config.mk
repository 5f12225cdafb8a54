# server/config*: YAML configuration loading and validation (libconfig.a, on libbase.a).
noinst_LIBRARIES += server/libconfig.a
server_libconfig_a_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
server_libconfig_a_SOURCES = \
	server/config.c server/config.h \
	server/config_yaml.c server/config_yaml.h \
	server/config_schema.c server/config_schema.h \
	server/config_check.c server/config_check.h
