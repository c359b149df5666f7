#!/bin/sh
# A "flasher" for the tests: keeps the image as $TF_FLASH_OUT/BOARD.bin and
# counts the flashes in $TF_FLASH_OUT/BOARD.count.
set -eu
image=$1
board=$2
out=${TF_FLASH_OUT:?TF_FLASH_OUT is not set}
cp "$image" "$out/$board.bin"
n=$(cat "$out/$board.count" 2>/dev/null || echo 0)
echo $((n + 1)) > "$out/$board.count"
echo "flashed $board"
