# server/answer and friends: the query path (parse, resolve, render) (libanswer.a, on
# libzones.a and libbase.a).
noinst_LIBRARIES += server/libanswer.a
server_libanswer_a_CFLAGS = $(AM_CFLAGS)
server_libanswer_a_SOURCES = \
	server/answer.c server/answer.h \
	server/chaos.c server/chaos.h \
	server/edns.c server/edns.h \
	server/query.c server/query.h \
	server/render.c server/render.h \
	server/wire.h
