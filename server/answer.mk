# server/answer and friends: the query path (parse, resolve, render) (libanswer.a, on
# libzones.a and libbase.a).
noinst_LIBRARIES += server/libanswer.a
server_libanswer_a_CFLAGS = $(AM_CFLAGS)
server_libanswer_a_SOURCES = \
	server/answer.c server/answer.h
