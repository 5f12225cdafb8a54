# server/health: the health table with its atomic cells, the overrides and their state
# file (state_file.c), the monitor thread and its http(s)/tcp/exec probes (libhealth.a,
# on libconfig.a and libbase.a; needs libcurl and libev).
noinst_LIBRARIES += server/health/libhealth.a
server_health_libhealth_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
server_health_libhealth_a_SOURCES = \
	server/health/health.c server/health/health.h \
	server/health/state_file.c server/health/state_file.h \
	server/health/monitor.c server/health/monitor.h \
	server/health/check_http.c \
	server/health/check_tcp.c \
	server/health/check_exec.c

# What a program linking libhealth.a adds after it.
GS_HEALTH_LIBS = server/health/libhealth.a $(CURL_LIBS) $(EV_LIBS) $(PTHREAD_LIBS)
