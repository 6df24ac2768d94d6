#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile input: malformed and random rtnetlink requests, bad ethtool
# requests, module parameters at and past their bounds.
#
# 1. vlo_fuzz_netlink.py netlink: VLO_FUZZ_REQUESTS (default 100,000)
#    RTM_NEWLINK/RTM_SETLINK requests for kind vlo, split over two
#    workers pinned to two CPUs, each in a namespace of its own (see the
#    script for what is sent and checked). Every request is refused or
#    applied consistently; no device appears that was not asked for.
# 2. ethtool: the ethtool tool with unknown private flags, fixed
#    features, 36 operations vlo does not have or must refuse here (each refused, but the two
#    the core answers for every device, named with the reason); then raw
#    SIOCETHTOOL requests with random values (vlo_fuzz_netlink.py ethtool).
# 3. numdevs=0, 4096, 4097, -1, abc, 99999999999, "", 3abc, 0x10, +2 and
#    numdevs without a value: the valid ones load with that many devices,
#    the others fail with EINVAL and the kernel log names the bound.
#    VLO_FUZZ_MAXDEVS (default 4096) sets the largest count tried.
# The kernel log must stay clean (vm-run and check-debug scan it).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip jq ethtool python3 taskset insmod rmmod
vlo_ensure_loaded

REQUESTS=${VLO_FUZZ_REQUESTS:-100000}
MAXDEVS=${VLO_FUZZ_MAXDEVS:-4096}
FUZZ=$TESTDIR/vlo_fuzz_netlink.py
T=$(tmpdir)
cpus=$(nproc)
SEED=${VLO_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

ms_since()
{
	echo $((($(date +%s%N) - $1) / 1000000))
}

# ------------------------------------------------------------- netlink
log "--- rtnetlink: $REQUESTS requests, seed $SEED"
ns_create F0
ns_create F1
t0=$(date +%s%N)
ip netns exec "$F0" taskset -c 0 python3 "$FUZZ" netlink \
	-n $((REQUESTS / 2)) --seed "$SEED" >"$T/nl0" 2>&1 &
p0=$!
bg_track "$p0"
ip netns exec "$F1" taskset -c $((1 % cpus)) python3 "$FUZZ" netlink \
	-n $((REQUESTS - REQUESTS / 2)) --seed $((SEED + 1)) >"$T/nl1" 2>&1 &
p1=$!
bg_track "$p1"
rc0=0
rc1=0
wait "$p0" || rc0=$?
wait "$p1" || rc1=$?
ms=$(ms_since "$t0")
sed 's/^# /# worker 0: /; /^#/!s/^/# worker 0: /' "$T/nl0"
sed 's/^# /# worker 1: /; /^#/!s/^/# worker 1: /' "$T/nl1"
o0=$(tail -n 1 "$T/nl0")
o1=$(tail -n 1 "$T/nl1")
sum()
{
	echo $(($(kv "$1" "$o0") + $(kv "$1" "$o1")))
}
log "FIGURES netlink requests=$(sum requests) accepted=$(sum accepted)" \
	"refused=$(sum refused) unanswered=$(sum no_answer)" \
	"devices_created=$(sum created) states_checked=$(sum checked)" \
	"time_ms=$ms requests_per_s=$(($(sum requests) * 1000 / (ms > 0 ? ms : 1)))"
check_eq "netlink worker 0: nothing inconsistent" 0 "$rc0"
check_eq "netlink worker 1: nothing inconsistent" 0 "$rc1"
check_eq "netlink requests sent" "$REQUESTS" "$(sum requests)"

# ------------------------------------------------------------- ethtool
log "--- ethtool"
ns_create E
NS=$E
vlo_add fe0

check_err "unknown private flag" "" \
	in_ns ethtool --set-priv-flags fe0 no-such-flag on
check_err "capture-once (gone)" "" \
	in_ns ethtool --set-priv-flags fe0 capture-once on
# tx-lockless: the fixed feature bit NETIF_F_LLTX before 6.12, the private
# dev->lltx since, which ethtool does not show. Whatever lo shows on this
# kernel, vlo must show, also after an attempt to turn it off.
lltx_of()
{
	local l

	while IFS= read -r l; do
		l=${l#"${l%%[![:space:]]*}"}
		[[ $l == "tx-lockless: "* ]] && { echo "${l#tx-lockless: }"; return; }
	done <<<"$(in_ns ethtool -k "$1")"
	echo MISSING
}
lo_lltx=$(lltx_of lo)
in_ns ethtool -K fe0 tx-lockless off >/dev/null 2>&1 || true
in_ns ethtool -K fe0 vlan-challenged off >/dev/null 2>&1 || true
if [ "$lo_lltx" = MISSING ]; then
	log "tx-lockless: not a feature bit on this kernel (dev->lltx, 6.12+): not shown for lo"
	check_eq "tx-lockless not shown, as for lo" MISSING "$(lltx_of fe0)"
else
	fe0_lltx=$(lltx_of fe0)
	check_eq "tx-lockless as on lo" "$lo_lltx" "$fe0_lltx"
	check_eq "tx-lockless stays on [fixed]" "on [fixed]" "$fe0_lltx"
fi
check_match "vlan-challenged stays on [fixed]" 'vlan-challenged: on \[fixed\]' \
	"$(in_ns ethtool -k fe0)"
check_err "unknown feature" "" in_ns ethtool -K fe0 no-such-feature off
# Operations vlo does not implement: each must be refused, except the ones
# the core answers by itself for every device, named here with the reason.
# Any other success means something now claims an operation vlo lacks.
# ethtool 6.1 exits 0 after some refusals (-N prints "Cannot change RX
# network flow hashing options: Operation not supported"): a refusal is a
# non-zero exit or that message.
declare -A CORE_ANSWERS=(
	["-f fe0 /nonexistent"]="ETHTOOL_FLASHDEV without ethtool_ops->flash_device goes to devlink; a device without devlink gets 0 (net/ethtool/ioctl.c, ethtool_flash_device)"
	["--show-module fe0"]="ETHTOOL_MSG_MODULE_GET answers with no attributes when the driver has no get_module_power_mode (net/ethtool/module.c)"
)
for args in "-G fe0 rx 10" "-L fe0 combined 2" "-A fe0 rx on" \
	"-s fe0 speed 10 duplex full autoneg off" "-C fe0 rx-usecs 5" \
	"-e fe0" "-d fe0" "-t fe0" "-E fe0 magic 0 offset 0 value 1" \
	"-W fe0 1" "-r fe0" "-f fe0 /nonexistent" "-m fe0" "-x fe0" \
	"-X fe0 equal 2" "-N fe0 rx-flow-hash tcp4 sdfn" "--show-eee fe0" \
	"--set-eee fe0 eee on" "--show-fec fe0" "--set-fec fe0 encoding rs" \
	"--show-tunnels fe0" "--get-phy-tunable fe0 downshift" \
	"--cable-test fe0" "--show-mm fe0" "--show-module fe0" \
	"--set-module fe0 power-mode-policy auto" "-u fe0" \
	"--show-pse fe0" "--show-rxfh fe0" "-a fe0" "-c fe0" "-g fe0" \
	"-n fe0 rx-flow-hash tcp4" "--phy-statistics fe0" \
	"-L fe0 rx 2" "-L fe0 tx 2" "-L fe0 other 1"; do
	rc=0
	# shellcheck disable=SC2086 # the arguments are words on purpose
	out=$(in_ns timeout 20 ethtool $args 2>&1) || rc=$?
	reason=${CORE_ANSWERS[$args]:-}
	VLO_CHECKS=$((VLO_CHECKS + 1))
	if [ "$rc" -eq 124 ]; then
		fail "ethtool $args: no answer within 20 s"
	elif [ "$rc" -ne 0 ] || [[ $out == *"Operation not supported"* ]]; then
		if [ -n "$reason" ]; then
			log "ok: ethtool $args: refused (rc=$rc), though the core answers it on 6.1: $reason"
		else
			log "ok: ethtool $args: refused (rc=$rc)"
		fi
	elif [ -n "$reason" ]; then
		log "ok: core: ethtool $args: succeeded, as for any device: $reason"
	else
		fail "ethtool $args succeeded, but vlo does not implement it and the core does not answer it for every device: $(head -n 2 <<<"$out" | tr '\n' ' ')"
	fi
done
# Channels are vlo's (RX and TX queues, up to those it was made with): fe0
# has one of each, so only the counts it has are accepted.
check_match "ethtool -l: one RX and one TX queue" 'RX:[[:space:]]+1' \
	"$(in_ns ethtool -l fe0)"
check_ok "ethtool -L rx 1 tx 1 (what fe0 has)" in_ns ethtool -L fe0 rx 1 tx 1
check_ok "ethtool -S still works" in_ns ethtool -S fe0
check_ok "ethtool -i still works" in_ns ethtool -i fe0

out=$(in_ns python3 "$FUZZ" ethtool -i fe0 -n "${VLO_FUZZ_ETHTOOL:-4000}" \
	--seed "$SEED" 2>&1) && rc=0 || rc=$?
quote_lines "$out"
log "FIGURES ethtool $(tail -n 1 <<<"$out")"
check_eq "raw ethtool requests: nothing inconsistent" 0 "$rc"
NS=

# ------------------------------------------------------ module parameters
log "--- module parameters"
vlo_unload || die "rmmod vlo failed"
# Leave the module loaded with default parameters, whatever happens.
defer vlo_load
defer vlo_unload
nvlo()
{
	find /sys/class/net -maxdepth 1 -name 'vlo*' | wc -l
}
for v in 0 "$MAXDEVS" 4097 -1 abc \
	99999999999 "" 3abc 0x10 +2 BARE; do
	kmsg_mark
	t0=$(date +%s%N)
	rc=0
	if [ "$v" = BARE ]; then
		vlo_load numdevs >/dev/null 2>&1 || rc=$?
	else
		vlo_load "numdevs=$v" >/dev/null 2>&1 || rc=$?
	fi
	load_ms=$(ms_since "$t0")
	case $v in
	0|"$MAXDEVS"|0x10|+2)
		want=$((v))
		check_eq "numdevs=$v loads" 0 "$rc"
		check_eq "numdevs=$v: devices" "$want" "$(nvlo)"
		check_eq "numdevs=$v: parameter reads back" "$want" \
			"$(cat /sys/module/vlo/parameters/numdevs 2>/dev/null)"
		VLO_CHECKS=$((VLO_CHECKS + 1))
		if { echo 1 >/sys/module/vlo/parameters/numdevs; } 2>/dev/null; then
			fail "numdevs writable after load"
		else
			log "ok: numdevs is read-only after load"
		fi
		t0=$(date +%s%N)
		check_ok "rmmod after numdevs=$v" rmmod vlo
		log "numdevs=$v: FIGURES load ${load_ms} ms, unload $(ms_since "$t0") ms"
		check_eq "numdevs=$v: no device after rmmod" 0 "$(nvlo)"
		;;
	*)
		check_ne "numdevs=$v refused" 0 "$rc"
		check_eq "numdevs=$v: module not loaded" no \
			"$(vlo_loaded && echo yes || echo no)"
		if [ "$v" != BARE ]; then
			check_match "numdevs=$v: the kernel log names the bound" \
				'vlo: numdevs must be between 0 and 4096' "$(kmsg_since)"
		fi
		vlo_unload 2>/dev/null || true
		;;
	esac
done

vlo_exit
