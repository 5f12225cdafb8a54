# server/health.mk -- health monitoring: the health table with its atomic cells,
# overrides and state file, the monitor thread and its http(s)/tcp/exec probes
# (libhealth.a, on libbase.a; needs libcurl and libev).
noinst_LIBRARIES += server/libhealth.a
server_libhealth_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
server_libhealth_a_SOURCES = \
	server/health.c server/health.h \
	server/monitor.c server/monitor.h \
	server/check_http.c \
	server/check_tcp.c \
	server/check_exec.c

# What a program linking libhealth.a adds after it.
GS_HEALTH_LIBS = server/libhealth.a $(CURL_LIBS) $(EV_LIBS) $(PTHREAD_LIBS)
