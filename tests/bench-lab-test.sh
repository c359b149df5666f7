#!/bin/sh
# bench-lab as the README writes it: runs from any directory, and stops at
# once, saying why, when its daemon dies (a fake testfestd that exits 3).
set -eu
bench=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# from a directory that is not the tree: 3 boards, 1 idle second
out=$("$bench" 3 1 2>&1) || { echo "bench-lab failed from $work:"; echo "$out"; exit 1; }
echo "$out" | grep -q "^boards  *3 (1 relays)" || { echo "unexpected output: $out"; exit 1; }
# a build tree whose testfestd dies at once
mkdir -p fake/fixtures fake/controller
ln -s "$build/fixtures/tf-simlab" fake/fixtures/tf-simlab
printf '#!/bin/sh\necho "testfestd: broken on purpose" >&2\nexit 3\n' > fake/controller/testfestd
chmod +x fake/controller/testfestd
start=$(date +%s)
if TF_BUILD_ROOT="$work/fake" "$bench" 3 1 > out.txt 2>&1; then
  echo "bench-lab succeeded with a dead daemon"; cat out.txt; exit 1
fi
end=$(date +%s)
grep -q "testfestd exited early (status 3)" out.txt || { echo "no reason given:"; cat out.txt; exit 1; }
grep -q "broken on purpose" out.txt || { echo "the daemon's log was not shown:"; cat out.txt; exit 1; }
# not the 300 s deadline (bounded generously for a loaded machine)
[ $((end - start)) -lt 120 ] || { echo "took $((end - start)) s"; exit 1; }
echo ok
