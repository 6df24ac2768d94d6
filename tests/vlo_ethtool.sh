#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ethtool: driver info (-i), link state, software timestamping capabilities
# (-T), the exact statistics names (-S), the private flag list, the offload
# features as on lo (-k) and toggling them (-K) off and back on.

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
set -euo pipefail

require_root
require_cmd ip ethtool
vlo_ensure_loaded

ns_create NS
vlo_add ve0

# feature NAME [TEXT]: "on", "off", "on [fixed]", ... for NAME in TEXT
# (output of ethtool -k; run now when not given).
feature()
{
	local text=${2:-} l

	[ -n "$text" ] || text=$(in_ns ethtool -k ve0)
	while IFS= read -r l; do
		l=${l#"${l%%[![:space:]]*}"}
		if [[ $l == "$1: "* ]]; then
			echo "${l#"$1: "}"
			return
		fi
	done <<<"$text"
	echo MISSING
}

# --- -i ----------------------------------------------------------------------
info=$(in_ns ethtool -i ve0)
quote_lines "$info"
check_match "driver" '^driver: vlo$' "$info"
check_match "version" '^version: 0\.3\.0$' "$info"
check_match "bus-info empty" '^bus-info: *$' "$info"
check_match "supports-statistics" '^supports-statistics: yes$' "$info"
check_match "supports-priv-flags" '^supports-priv-flags: no$' "$info"
modver=$(vlo_modinfo -F version 2>/dev/null || true)
check_match "ethtool version == modinfo version" "^version: ${modver:-?}$" "$info"

# --- link ----------------------------------------------------------------------
check_match "link detected" 'Link detected: yes' "$(in_ns ethtool ve0)"

# --- -T --------------------------------------------------------------------------
# What vlo declares (ethtool_op_get_ts_info, the core's helper): bits, no
# evidence that a timestamp is ever made. vlo_timestamp.sh receives the
# TX and RX software timestamps themselves.
ts=$(in_ns ethtool -T ve0)
quote_lines "$ts"
for c in software-transmit software-receive software-system-clock; do
	check_match "-T declares $c (capability bit only)" "^[[:space:]]+$c" "$ts"
done
check_match "-T declares no PHC" 'PTP Hardware Clock: none' "$ts"

# --- -S ----------------------------------------------------------------------------
names=$(in_ns ethtool -S ve0 | awk 'NR > 1 { sub(":", "", $1); print $1 }' |
	paste -sd,)
check_eq "-S names" \
	"tx_packets,tx_bytes,rx_packets,rx_bytes,rx_backlog_drops,tx_looped_by_stack,tx_carrier_drops,tx_header_drops,rx_queue_drops,tx_xdp_xmit,tx_xdp_xmit_errors,rx0_packets,rx0_bytes,rx0_xdp_xmit,rx0_xdp_pass,rx0_xdp_drop,rx0_xdp_tx,rx0_xdp_redirect,rx0_xdp_aborted,rx0_xdp_errors" \
	"$names"

# --- private flags -------------------------------------------------------------------
# None: capture-once is gone.
check_err "no private flags to show" "" in_ns ethtool --show-priv-flags ve0
check_err "capture-once refused" "" in_ns ethtool --set-priv-flags ve0 capture-once on

# --- -k ------------------------------------------------------------------------------
k0=$(in_ns ethtool -k ve0)
for f in scatter-gather tx-checksumming tx-checksum-ip-generic \
	 tcp-segmentation-offload generic-segmentation-offload \
	 generic-receive-offload rx-checksumming tx-scatter-gather-fraglist \
	 tx-sctp-segmentation tx-checksum-sctp highdma; do
	check_match "-k $f on" '^on' "$(feature "$f" "$k0")"
done
# Like lo, vlo needs no TX lock. Before 6.12 that is the feature bit
# NETIF_F_LLTX ("tx-lockless: on [fixed]"); since, the private flag
# dev->lltx, which ethtool does not show: vlo must show what lo shows.
lo_lltx=$(feature tx-lockless "$(in_ns ethtool -k lo)")
log "lo: tx-lockless: $lo_lltx"
check_eq "-k tx-lockless as on lo" "$lo_lltx" "$(feature tx-lockless "$k0")"
check_match "-k tx-lockless: on [fixed] or not shown" '^(on \[fixed\]|MISSING)$' \
	"$(feature tx-lockless "$k0")"
check_eq "-k vlan-challenged" "on [fixed]" "$(feature vlan-challenged "$k0")"
log "-k loopback: $(feature loopback "$k0")"

# --- -K ----------------------------------------------------------------------------
# ethtool -K short name -> the -k line it controls.
for pair in tso:tcp-segmentation-offload gso:generic-segmentation-offload \
	    gro:generic-receive-offload sg:scatter-gather \
	    tx:tx-checksumming; do
	short=${pair%%:*}
	long=${pair#*:}
	check_ok "-K $short off" in_ns ethtool -K ve0 "$short" off
	check_eq "$long after -K $short off" off "$(feature "$long")"
	check_ok "-K $short on" in_ns ethtool -K ve0 "$short" on
	check_eq "$long after -K $short on" on "$(feature "$long")"
done
# Dependent features (TSO needs SG and checksumming) must all be back.
check_eq "-k identical after the round trip" "$k0" "$(in_ns ethtool -k ve0)"

# Traffic still loops with offloads off.
if [ -x "$VLO_PKT" ]; then
	in_ns ethtool -K ve0 tso off gso off sg off tx off
	out=$(pkt loop -i ve0 -n 10 -s 1000)
	check_eq "frames loop with offloads off" 10 "$(kv received "$out")"
	in_ns ethtool -K ve0 tso on gso on sg on tx on
else
	skip_check "traffic with offloads off: vlo_pkt not built (make -C tests)"
fi

vlo_exit
