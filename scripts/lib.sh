# Shared by scripts/demo and scripts/test: install what is missing, build.
# shellcheck shell=bash
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages the build, the simulated lab and the tests need.
DEB_BUILD=(libpcap-dev iputils-ping meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libusb-1.0-0-dev libcairo2-dev libpango1.0-dev libsoup-3.0-dev openssl
           libserialport-dev libmosquitto-dev mosquitto-dev nettle-dev libsqlite3-dev libgudev-1.0-dev libumockdev-dev
           umockdev mosquitto mosquitto-clients sqlite3 libcbor-dev libcoap3-dev)
DEB_TEST=(poppler-utils faketime iproute2 nftables libcoap3-bin stm32flash iputils-ping dfu-util uhubctl usbutils tshark ejabberd)

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "$0: run as root (it installs Debian packages and runs the emulated lab)" >&2
    exit 2
  fi
}

# Install only what is missing, non-interactively; a second run does nothing.
install_debs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # the tests start ejabberd as a program of their own on free ports; the
    # package's own service (XMPP, and MQTT on 1883 beside mosquitto's) is
    # not wanted on a lab machine: stopped and disabled when we installed it
    for p in "${missing[@]}"; do
      if [ "$p" = ejabberd ] && [ -d /run/systemd/system ]; then
        systemctl disable --now ejabberd >/dev/null 2>&1 || true
      fi
    done
  fi
}

# meson setup once (or again when its files changed), then ninja.
build() {
  local dir=$1; shift
  if [ ! -f "$TOP/$dir/build.ninja" ]; then
    meson setup "$TOP/$dir" "$TOP" "$@" >/dev/null
  fi
  ninja -C "$TOP/$dir" >/dev/null
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo 18830
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
PY
}
