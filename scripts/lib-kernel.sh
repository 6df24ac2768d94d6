# SPDX-License-Identifier: GPL-2.0
#
# Sourced by install.sh, dkms.sh and sign.sh: which kernel to build for.

# The running kernel, unless it has no headers here (a build host or a
# container running someone else's kernel): then the newest one that has.
default_krel() {
	local r d
	r=$(uname -r)
	if [ -f "/lib/modules/$r/build/Makefile" ]; then
		echo "$r"
		return
	fi
	for d in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -rV); do
		if [ -f "/lib/modules/$d/build/Makefile" ]; then
			echo "$d"
			return
		fi
	done
	echo "$r"
}
