# tests/unit/answer.mk
