# Independent clients against the sandbox (see transfer/sandbox/interop/README.md).
# Included by the top Makefile; `make test` runs `make interop`.
.PHONY: interop interop-browser interop-quatrix

interop: interop-browser interop-quatrix

interop-browser:

interop-quatrix:
