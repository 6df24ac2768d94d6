#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module loading: modinfo fields, the numdevs parameter (default 1, 3, 0,
# read-only after load) and out-of-range values refused with EINVAL and a
# kernel log line. Works in the initial namespace (numdevs devices are made
# there) and leaves the module loaded with default parameters.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip modinfo insmod rmmod dmesg


log "module: $(vlo_ko)"

# --- modinfo ---------------------------------------------------------------
desc=$(vlo_modinfo -F description)
check_ne "modinfo description" "" "$desc"
check_eq "modinfo license" "GPL" "$(vlo_modinfo -F license)"
version=$(vlo_modinfo -F version)
check_match "modinfo version" '^[0-9]+\.[0-9]+\.[0-9]+' "$version"
parm=$(vlo_modinfo -F parm)
log "modinfo parm: $parm"
check_match "modinfo parm" '^numdevs:.+' "$parm"
check_match "modinfo alias" '^rtnl-link-vlo$' "$(vlo_modinfo -F alias)"
# First word of vermagic, compared as a string: releases like
# 6.12.95+deb12-amd64 carry regex metacharacters.
vermagic=$(vlo_modinfo -F vermagic)
check_eq "modinfo vermagic is this kernel" "$(uname -r)" "${vermagic%% *}"

# --- numdevs ---------------------------------------------------------------
# Returns to the default configuration whatever happens below.
defer vlo_load
defer rmmod vlo

load_with()
{
	vlo_unload || die "rmmod vlo failed"
	check_ok "load with '$*'" vlo_load "$@"
}

load_with
check_eq "default numdevs: devices" "vlo0" "$(vlo_list)"
check_eq "default numdevs: parameter" 1 \
	"$(cat /sys/module/vlo/parameters/numdevs)"
check_eq "numdevs sysfs mode (read-only)" 444 \
	"$(stat -c %a /sys/module/vlo/parameters/numdevs)"
VLO_CHECKS=$((VLO_CHECKS + 1))
if (echo 5 > /sys/module/vlo/parameters/numdevs) 2>/dev/null; then
	fail "numdevs could be written after load"
else
	log "ok: writing numdevs after load refused"
fi
check_eq "vlo0 kind" vlo "$(jget info_kind "$(ip -d -j link show vlo0)")"

load_with numdevs=3
check_eq "numdevs=3: devices" "vlo0,vlo1,vlo2" "$(vlo_list)"
macs=$(for d in vlo0 vlo1 vlo2; do cat "/sys/class/net/$d/address"; done)
check_eq "numdevs=3: distinct MACs" 3 "$(sort -u <<<"$macs" | wc -l)"

load_with numdevs=0
check_eq "numdevs=0: devices" "" "$(vlo_list)"
check_eq "numdevs=0: parameter" 0 "$(cat /sys/module/vlo/parameters/numdevs)"

# Out of range: insmod fails with EINVAL, the module is not left loaded and
# the kernel log says what the valid range is.
vlo_unload
for bad in 4097 -1 abc; do
	kmsg_mark
	# EINVAL: strerror says "Invalid argument", kmod's insmod "Invalid
	# parameters".
	rc=0
	out=$(vlo_load "numdevs=$bad" 2>&1) || rc=$?
	check_ne "numdevs=$bad: load fails" 0 "$rc"
	check_match "numdevs=$bad: EINVAL" "Invalid (argument|parameters)" "$out"
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if vlo_loaded; then
		fail "numdevs=$bad: module is loaded"
		vlo_unload
	fi
	check_match "numdevs=$bad: kernel log" \
		'vlo: numdevs must be between 0 and 4096' "$(kmsg_since)"
done

# The module autoloads through its alias when it is installed (modprobe can
# find it); a module given by path (VLO_KO, the VM) cannot be autoloaded.
if [ -z "${VLO_KO:-}" ] && modinfo -n vlo >/dev/null 2>&1; then
	ns_create NS
	check_ok "'ip link add type vlo' autoloads the module" \
		ip -n "$NS" link add auto0 type vlo
	check_eq "module loaded by alias" yes "$(vlo_loaded && echo yes)"
else
	skip_check "autoload by alias: module not installed (given by path: VLO_KO=${VLO_KO:-})"
fi

vlo_exit
