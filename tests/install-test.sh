#!/bin/bash
# meson install into a DESTDIR, the units verified by systemd-analyze, and the
# installed daemon run on the installed sample lab file as testfestd.service
# runs it: as an unprivileged user, in its StateDirectory (0750), everything
# else read-only (ProtectSystem=strict), the installed tree at its own prefix
# (a mount namespace binds DESTDIR/PREFIX there). systemd itself does not run
# in this container; what it would do is done by unshare and setpriv.
set -euo pipefail
build=$1
work=$(mktemp -d /tmp/tf-install-XXXXXX)
chmod 0755 "$work" # the unit user must reach its state directory
broker_pid=
cleanup() {
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

dest=$work/dest
meson install -C "$build" --no-rebuild --destdir "$dest" --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
unit=$(find "$dest" -name testfestd.service | head -n 1)
[ -n "$unit" ] || fail "testfestd.service not installed"
unitdir=$(dirname "$unit")

# what is installed, and what is not
[ -f "$dest$prefix/share/testfest/boards/nucleo-l476rg.board" ] || fail "real board types missing"
[ ! -e "$dest$prefix/share/testfest/boards/sim-l476.board" ] || fail "the test-only sim-l476.board is installed"
[ -f "$dest$prefix/lib/sysusers.d/testfest.conf" ] || fail "sysusers file missing"
[ -f "$dest$prefix/share/testfest/mosquitto-testfest.conf" ] || fail "the mosquitto drop-in is missing"
if [ -x "$build/web/tf-web" ]; then
  [ -f "$unitdir/tf-web.service" ] || fail "tf-web.service not installed"
fi

# the state directory: the unit hands systemd's to the daemon
grep -q '^StateDirectory=testfest$' "$unit" || fail "no StateDirectory=testfest"
grep -q -- '--state-dir ${STATE_DIRECTORY}' "$unit" || fail "the unit does not pass its state directory"
grep -q '^StateDirectoryMode=0750$' "$unit" || fail "no StateDirectoryMode=0750"
grep -q '^UMask=0027$' "$unit" || fail "no UMask=0027"

# systemd-analyze verify, the units' paths taken into DESTDIR
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$work/units"
  for u in "$unitdir"/testfestd.service "$unitdir"/tf-web.service; do
    [ -f "$u" ] || continue
    sed -e "s|^ExecStart=$prefix|ExecStart=$dest$prefix|" "$u" > "$work/units/$(basename "$u")"
  done
  out=$(systemd-analyze verify --man=no "$work"/units/*.service 2>&1) || {
    echo "$out"; fail "systemd-analyze verify"; }
  # only what cannot be here: users and targets of a booted system
  if echo "$out" | grep -v -e 'multi-user.target' -e 'mosquitto.service' -e 'network-online.target' \
      -e 'Failed to load' -e 'Cannot add dependency' -e '^$' | grep -q .; then
    echo "$out"; fail "systemd-analyze verify complained"
  fi
else
  echo "# systemd-analyze is not installed: unit syntax not verified"
fi

# the installed sample, changed only where its comments say: the broker's port
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# (as the README says: the sample copied to lab.conf, which the unit reads)
[ -f "$dest$prefix/etc/testfest/lab.conf.sample" ] || fail "no installed lab.conf.sample"
conf=$dest$prefix/etc/testfest/lab.conf
cp "$dest$prefix/etc/testfest/lab.conf.sample" "$conf"
sed -i "s/^port = 1883$/port = $port/" "$conf"
grep -q "^port = $port$" "$conf" || fail "the sample has no 'port = 1883' line"
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n' "$port" > "$work/m.conf"
mosquitto -c "$work/m.conf" >/dev/null 2>&1 &
broker_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# the unit's user (a uid no account has: sysusers would create 'testfest'),
# its state directory, everything else read-only
uid=61871
state=$work/var-lib-testfest
mkdir -p "$state"
chown "$uid:$uid" "$state"
chmod 0750 "$state"
cat > "$work/run.sh" <<EOF
set -e
mount --make-rprivate /
mount --bind "$dest$prefix" "$prefix"
mount --bind "$state" "$state"
# ProtectSystem=strict: every mount read-only but the kernel's and the state directory
for m in \$(findmnt -rn -o TARGET | grep -v -e '^/proc' -e '^/sys' -e '^/dev' | sort -u); do
  [ "\$m" = "$state" ] && continue
  mount -o remount,bind,ro "\$m" 2>/dev/null || true
done
touch "$prefix/etc/testfest/x" 2>/dev/null && { echo "the installed tree is writable"; exit 9; }
export STATE_DIRECTORY=$state
exec setpriv --reuid=$uid --regid=$uid --clear-groups --no-new-privs \
  $prefix/sbin/testfestd --config $prefix/etc/testfest/lab.conf --state-dir "\$STATE_DIRECTORY"
EOF
umask 0027
unshare --mount bash "$work/run.sh" > "$work/daemon.log" 2>&1 &
daemon=$!
status=$(timeout 60 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'tf/mylab/host/+/status' -C 1 -W 60 || true)
kill -TERM "$daemon" 2>/dev/null || true
rc=0
wait "$daemon" || rc=$?
echo "$status" | grep -q '"online"\|online' || { cat "$work/daemon.log"; fail "no online host status from the installed daemon ($status)"; }
[ "$rc" -eq 0 ] || { cat "$work/daemon.log"; fail "the installed daemon exited $rc on SIGTERM"; }
db=$state/testfest.db
[ -f "$db" ] || { ls -la "$state"; fail "no store in the state directory"; }
[ "$(stat -c %u "$db")" = "$uid" ] || fail "the store is not the unit user's"
mode=$(stat -c %a "$db")
[ $((0$mode & 07)) -eq 0 ] || fail "the store is readable by others (mode $mode)"
echo "ok: installed, verified, ran as uid $uid in $state (store mode $mode)"
