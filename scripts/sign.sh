#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Sign vlo.ko for a kernel that enforces module signatures (UEFI Secure Boot
# with lockdown, or module.sig_enforce=1). What `make sign` runs:
#
#   make sign KEY=/path/MOK.priv CERT=/path/MOK.der   (or SIGN_KEY/SIGN_CERT)
#
# KEY is the private key (PEM, unencrypted, or encrypted with its pass
# phrase in KBUILD_SIGN_PIN) and CERT its X.509 certificate (DER or PEM),
# the pair enrolled with `mokutil --import CERT` (README.md, "Secure Boot").
# Nothing here asks questions: a missing or unreadable file is an error.
#
# Environment: KDIR / KERNELRELEASE choose the kernel tree whose
# scripts/sign-file and hash algorithm are used; MODULE overrides the file
# to sign (default ./vlo.ko). Signing a signed module replaces its
# signature instead of stacking a second one.

set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
# MODULE_SIG_STRING, 28 bytes with its newline.
MAGIC='~Module signature appended~'
MAGIC_LEN=28

die() { echo "sign.sh: $*" >&2; exit 1; }

# shellcheck source=scripts/lib-kernel.sh
. "$(dirname "$0")/lib-kernel.sh"

KEY=${KEY:-${SIGN_KEY:-}}
CERT=${CERT:-${SIGN_CERT:-}}
MODULE=${MODULE:-$SRC/vlo.ko}
if [ -z "${KDIR:-}" ]; then
	KERNELRELEASE=${KERNELRELEASE:-$(default_krel)}
	KDIR=/lib/modules/$KERNELRELEASE/build
fi

usage="usage: make sign KEY=/path/to/key.priv CERT=/path/to/cert.der"
[ -n "$KEY" ] || die "no signing key given. $usage"
[ -n "$CERT" ] || die "no certificate given. $usage"
[ -r "$KEY" ] || die "cannot read key '$KEY'"
[ -r "$CERT" ] || die "cannot read certificate '$CERT'"
[ -f "$MODULE" ] || die "no module at $MODULE: build it first (make)"

SIGN_FILE=$KDIR/scripts/sign-file
[ -x "$SIGN_FILE" ] || die "no $SIGN_FILE (install linux-headers for the kernel, or set KDIR)"
# The kernel verifies with the algorithm it was configured for.
HASH=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$KDIR/.config" 2>/dev/null || true)
HASH=${HASH:-sha256}

is_signed() {
	[ "$(tail -c $MAGIC_LEN "$1" | tr -d '\0\n')" = "$MAGIC" ]
}

# Layout of a signed module: ELF | signature | struct module_signature
# (12 bytes, big-endian signature length in the last 4) | MAGIC.
strip_signature() {
	local f=$1 size siglen
	is_signed "$f" || return 0
	size=$(stat -c %s "$f")
	siglen=$(tail -c $((MAGIC_LEN + 4)) "$f" | head -c 4 | od -An -tu1 |
		 awk '{ print ((($1 * 256) + $2) * 256 + $3) * 256 + $4 }')
	truncate -s $((size - MAGIC_LEN - 12 - siglen)) "$f"
	echo "sign.sh: replacing the existing signature of $f"
}

strip_signature "$MODULE"
# No terminal: a key that wants a pass phrase fails instead of prompting.
"$SIGN_FILE" "$HASH" "$KEY" "$CERT" "$MODULE" </dev/null ||
	die "sign-file failed (wrong key/certificate pair, or an encrypted key without KBUILD_SIGN_PIN?)"
is_signed "$MODULE" || die "$MODULE carries no signature after signing"

if command -v modinfo >/dev/null; then
	echo "sign.sh: signed $MODULE ($HASH):"
	modinfo -F signer "$MODULE" | sed 's/^/  signer: /'
	modinfo -F sig_key "$MODULE" | sed 's/^/  key:    /'
else
	echo "sign.sh: signed $MODULE ($HASH)"
fi
